"""Personal referral links for clients and partners: a signed reference to who is referring, so a
request that comes through it is attributed to them, and nobody can forge one."""

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.safestring import mark_safe

SALT = "referrals.link"


def referral_url(*, client=None, partner=None) -> str:
    payload = {"c": str(client.pk)} if client is not None else {"p": str(partner.pk)}
    return settings.SITE_URL + reverse("referrals:landing", args=[signing.dumps(payload, salt=SALT)])


def read_referral_token(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) and (payload.keys() == {"c"} or payload.keys() == {"p"}) else None


def qr_svg(url: str) -> str:
    """The link as an SVG QR code (no scripts, no styles), for the printable card."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, dark="#1f2a28"))
