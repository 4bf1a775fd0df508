"""`manage.py check`: every declared message kind can be sent (its email templates exist and each
of its channels has a sender)."""

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .kinds import KINDS
from .models import Channel

EMAIL_PARTS = ("subject.txt", "txt", "html")


@checks.register()
def message_kinds_can_be_sent(app_configs=None, **kwargs) -> list:
    from .dispatch import SENDERS

    problems = []
    for kind in KINDS.values():
        for channel in kind.channels:
            if channel not in SENDERS:
                problems.append(
                    checks.Error(
                        f"Message kind {kind.name!r} goes by {channel}, which has no sender.", id="outbox.E001"
                    )
                )
        if Channel.EMAIL in kind.channels:
            for part in EMAIL_PARTS:
                try:
                    get_template(f"emails/{kind.template_name}.{part}")
                except TemplateDoesNotExist:
                    problems.append(
                        checks.Error(
                            f"Message kind {kind.name!r} has no template emails/{kind.template_name}.{part}.",
                            id="outbox.E002",
                        )
                    )
    return problems
