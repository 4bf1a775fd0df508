"""Personal referral links for clients and partners: a signed reference to who is referring, so a
request that comes through it is attributed to them, and nobody can forge one."""

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.safestring import mark_safe

from practice.tokens import PRACTICE_CLAIM, signed_for_practice

SALT = "referrals.link"


def referral_url(*, client=None, partner=None) -> str:
    owner = client if client is not None else partner
    payload = {"c": str(client.pk)} if client is not None else {"p": str(partner.pk)}
    token = signed_for_practice(payload, practice_id=owner.practice_id, salt=SALT)
    return settings.SITE_URL + reverse("referrals:landing", args=[token])


def read_referral_token(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    who = payload.keys() - {PRACTICE_CLAIM}  # cards printed before links named their practice have none
    return payload if who == {"c"} or who == {"p"} else None


def qr_svg(url: str) -> str:
    """The link as an SVG QR code (no scripts, no styles), for the printable card."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, dark="#1f2a28"))
