"""Signed one-click unsubscribe links. A link names the practice, channel, address and purpose; it
needs no login and works for ever for that purpose only (the signature covers all four, so it can
be neither edited into another purpose nor forged)."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "outreach.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    practice_id: str
    channel: str
    address: str
    purpose: str


def unsubscribe_token(*, practice_id, channel: str, address: str, purpose: str) -> str:
    payload = {"p": str(practice_id), "c": channel, "a": address, "u": purpose}
    return signing.dumps(payload, salt=SALT, compress=True)


def unsubscribe_url(*, practice_id, channel: str, address: str, purpose: str) -> str:
    """The absolute link for emails and the List-Unsubscribe header."""
    token = unsubscribe_token(practice_id=practice_id, channel=channel, address=address, purpose=purpose)
    return settings.SITE_URL + reverse("outreach:unsubscribe", args=[token])


def read_unsubscribe_token(token: str) -> UnsubscribeTarget | None:
    """What a link unsubscribes from, or None for a tampered or malformed link."""
    try:
        payload = signing.loads(token, salt=SALT)
        return UnsubscribeTarget(str(payload["p"]), payload["c"], payload["a"], payload["u"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
