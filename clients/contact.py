"""Where a client is reached on each channel, and by which channel a message to them goes, so that
features name a message kind and a client, never an address field. A new channel (text messages)
adds its address here and its sender in the outbox app; the features that queue stay as they are."""

from clients.models import Client
from outbox.consent import has_consent
from outbox.kinds import MessageKind
from outbox.models import Channel

ADDRESS_FIELD = {Channel.EMAIL: "email", Channel.SMS: "phone", Channel.CALL: "phone"}


def client_address(client: Client, channel: str) -> str:
    return getattr(client, ADDRESS_FIELD[channel]) or ""


def client_route(*, client: Client, kind: MessageKind) -> tuple[str, str] | None:
    """(channel, address) for a message of `kind`: the first of the kind's channels the client agreed
    to hear from for its purpose, else the first they have an address for (the dispatcher asks for
    consent again when the message is due and records why one did not go). None: no address at all."""
    reachable = [(channel, client_address(client, channel)) for channel in kind.channels]
    reachable = [(channel, address) for channel, address in reachable if address]
    for channel, address in reachable:
        if has_consent(practice=client.practice, channel=channel, address=address, purpose=kind.purpose):
            return channel, address
    return reachable[0] if reachable else None
