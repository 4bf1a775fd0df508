"""Secret tokens in links (invitations, calendar feeds, report links): made here, and kept in the
database only as their SHA-256, so a copy of the database opens nothing."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
