"""The outbox: every message the practice sends, and the consent ledger. The layer just above
practice, below clients and sessions (docs/architecture.md).

It knows only practice's models. Messages are addressed by channel and address (with an optional
reference to a client), and consent is kept the same way, as email services keep suppression
lists. Code that sends something calls `enqueue(...)` inside the transaction of the event that
causes it; Celery only carries "send row N now". Public API:

- kinds:     MessageKind, register_kind (each feature declares its kinds; checks.py verifies them)
- services:  enqueue, message_cancel, message_retry, message_cancel_by_key
- dispatch:  register_sender (a channel's way of sending); tasks: the dispatcher's Celery tasks
- consent:   consent_record, consent_current, has_consent
- email:     make_message
- links:     unsubscribe_url
"""
