"""Secret tokens in links (invitations, calendar feeds, report links): made here, and kept in the
database only as their SHA-256, so a copy of the database opens nothing."""

import hashlib
import secrets
from contextlib import contextmanager, nullcontext


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_route(*, practice, token: str, kind: str) -> None:
    """Remember which practice a link's token belongs to (see practice.models.TokenRoute)."""
    from practice.models import TokenRoute

    TokenRoute.objects.create(token_hash=token_hash(token), practice=practice, kind=kind)


def token_practice(token: str, *, kind: str):
    """The practice a link's token belongs to, or None: the one read of a link that comes
    without its practice."""
    from practice.models import TokenRoute

    route = TokenRoute.objects.select_related("practice").filter(token_hash=token_hash(token), kind=kind).first()
    return route.practice if route else None


# --- Signed links name their practice -------------------------------------------------------------
# A signed link (intake, email confirmation, rebooking, referral card) carries the practice's id in
# its signed claim, so the row it stands for is read inside that practice. Links signed before
# they did (emails already sent, cards already printed) are still honoured, by the one lookup
# across practices left for them.

PRACTICE_CLAIM = "practice"
SIGNED_BEFORE_PRACTICE = "a link signed before links named their practice (sent emails, printed cards)"


def signed_for_practice(claim: dict, *, practice_id, salt: str, compress: bool = False) -> str:
    from django.core import signing

    return signing.dumps({**claim, PRACTICE_CLAIM: str(practice_id)}, salt=salt, compress=compress)


def claimed_practice(claim):
    """The practice a signed claim names, or None for an older link that names none."""
    from practice.models import Practice

    if not isinstance(claim, dict) or PRACTICE_CLAIM not in claim:
        return None
    return Practice.objects.filter(pk=claim[PRACTICE_CLAIM]).first()


@contextmanager
def reading_link(claim):
    """Yields the claimed practice (None for an older link); the block reads without a scope, and
    for an older link the read is the one across practices."""
    from django_scopes import scopes_disabled

    from practice.tenancy import across_practices

    practice = claimed_practice(claim)
    with scopes_disabled(), nullcontext() if practice else across_practices(SIGNED_BEFORE_PRACTICE):
        yield practice


def in_claimed_practice(queryset, practice):
    """`queryset` held to the claimed practice (as is, for an older link)."""
    return queryset.filter(practice=practice) if practice is not None else queryset
