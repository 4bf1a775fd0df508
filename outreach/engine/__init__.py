"""The outreach engine: the bottom of outreach/, below clients and sessions (docs/architecture.md).

It knows only practice's models. Messages are addressed by channel and address (with an optional
reference to a client), and consent is kept the same way, as email services keep suppression
lists. Code that sends something calls `enqueue(...)` inside the transaction of the event that
causes it; Celery only carries "send row N now". Public API:

- outbox:    enqueue, message_cancel, message_retry
- consent:   consent_record, consent_current, has_consent
- email:     make_message
- links:     unsubscribe_url
"""
