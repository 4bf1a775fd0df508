"""Every kind of message the outbox sends, registered once by the feature that owns it: what it is
for (the consent purpose), the templates it is written with, the channels it may go by, and the
feature's hooks for send time. `enqueue` takes a MessageKind, so a message cannot name a kind that
is not declared, and `manage.py check` (outbox.checks) proves every registered kind has
its templates and a sender for each of its channels.

Adding a channel (text messages) is one module that registers its sender (dispatch.register_sender)
and the kinds that may use it."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Channel, kind_label


@dataclass(frozen=True)
class MessageKind:
    name: str  # kept in OutboxMessage.kind
    purpose: str  # a Purpose: which consent it needs
    template: str = ""  # emails/<template>.{subject.txt,txt,html}; the kind's name by default
    channels: tuple = (Channel.EMAIL,)
    refresh: Callable | None = None  # (message) -> fresh context at send time, e.g. whether they rebooked
    skip_check: Callable | None = None  # (message) -> why it must not go out now, or ""

    @property
    def template_name(self) -> str:
        return self.template or self.name

    @property
    def label(self) -> str:
        return kind_label(self.name)


KINDS: dict[str, MessageKind] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    """Declare a kind (in the owning app's AppConfig.ready, or at import of the outbox's own)."""
    known = KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"Message kind {kind.name!r} is declared twice, differently.")
    KINDS[kind.name] = kind
    return kind
