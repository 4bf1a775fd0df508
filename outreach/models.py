"""Outreach models. The engine's (outbox, consent ledger) live in outreach/engine/models.py and are
imported here so that Django registers them with this app."""

from outreach.engine.models import ConsentEvent, OutboxMessage  # noqa: F401
