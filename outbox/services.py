"""Writing messages into the outbox, and the staff's retry and cancel."""

import logging

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from practice.models import Practice

from .consent import normalise_address
from .kinds import MessageKind
from .models import Channel, OutboxMessage

Status = OutboxMessage.Status
logger = logging.getLogger(__name__)


def enqueue(
    *,
    practice: Practice,
    kind: MessageKind,
    address: str,
    idempotency_key: str,
    context: dict | None = None,
    channel: str = Channel.EMAIL,
    due_at=None,
    client_ref=None,
    created_by=None,
) -> OutboxMessage:
    """Put one message in the outbox, in the caller's transaction, so it exists exactly when the
    event that causes it does. `idempotency_key` (e.g. "followup:<appointment uuid>") is unique per
    practice: enqueueing the same key again returns the existing row unchanged. `context` must be
    JSON data; it stays in the database (never in the broker) and is cleared once the message is
    done with; `context["attachments"]` ({"filename", "content", "mimetype"} dicts) are attached to
    an email. Consent is not checked here but at send time, when it counts. The kind gives the
    purpose (which consent counts) and the templates."""
    if channel not in kind.channels:
        raise ValueError(f"Message kind {kind.name!r} does not go by {channel}.")
    with scope(practice=practice):
        message, _ = OutboxMessage.objects.get_or_create(
            practice=practice,
            idempotency_key=idempotency_key,
            defaults={
                "kind": kind.name,
                "purpose": kind.purpose,
                "template": kind.template_name,
                "channel": channel,
                "address": normalise_address(channel, address),
                "context": context or {},
                "due_at": due_at or timezone.now(),
                "client_ref": client_ref,
                "created_by": created_by,
            },
        )
    return message


def message_cancel(*, message: OutboxMessage) -> OutboxMessage:
    """Stop a scheduled or failed message from being sent."""
    if not message.can_cancel:
        raise ValidationError(f"A {message.get_status_display().lower()} message cannot be cancelled.")
    message.status = Status.CANCELLED
    message.context = {}
    message.lease_until = None
    message.save(update_fields=["status", "context", "lease_until", "updated_at"])
    return message


def message_cancel_by_key(*, practice: Practice, idempotency_key: str) -> bool:
    """Cancel the message with this key if it is still waiting (e.g. the reminder of a visit that
    moved); True when one was cancelled."""
    with scope(practice=practice):
        cancelled = OutboxMessage.objects.filter(
            practice=practice, idempotency_key=idempotency_key, status=Status.SCHEDULED
        ).update(status=Status.CANCELLED, context={}, updated_at=timezone.now())
    return bool(cancelled)


def message_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Send a failed message again at the next dispatch, with a fresh set of attempts."""
    if not message.can_retry:
        raise ValidationError(
            f"Only failed messages can be retried; this one is {message.get_status_display().lower()}."
        )
    message.status = Status.SCHEDULED
    message.due_at = timezone.now()
    message.attempts = 0
    message.save(update_fields=["status", "due_at", "attempts", "updated_at"])
    return message


def dispatch_soon() -> None:
    """Ask for a dispatch right after the caller's transaction commits, for a message someone is
    waiting for (a one-time code). Best effort: if the broker is unreachable, the minutely
    dispatch sends it anyway."""

    def publish():
        try:
            current_app.send_task("outbox.tasks.dispatch_due_messages")
        except Exception as error:  # the message is safe in the outbox; only the shortcut failed
            logger.warning("could not ask for an early dispatch: %r", error)

    transaction.on_commit(publish)
