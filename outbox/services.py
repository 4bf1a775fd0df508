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
    _check_channel(kind, channel)
    with scope(practice=practice):
        message, created = OutboxMessage.objects.get_or_create(
            practice=practice,
            idempotency_key=idempotency_key,
            defaults=_row(
                kind=kind,
                channel=channel,
                address=address,
                context=context,
                due_at=due_at,
                client_ref=client_ref,
                created_by=created_by,
            ),
        )
    if created and message.due_at <= timezone.now():
        dispatch_soon()  # someone may be waiting for it: do not wait for the next beat
    return message


def enqueue_many(*, practice: Practice, kind: MessageKind, copies: list[dict], due_at=None, created_by=None) -> int:
    """Put many copies of one kind in the outbox in a few statements (a newsletter to thousands):
    each copy is a dict of `address`, `idempotency_key`, and optionally `context`, `client_ref`,
    `channel`. A key already in the outbox is skipped, as enqueue would. Returns how many copies
    were offered."""
    due_at = due_at or timezone.now()
    rows = []
    for copy in copies:
        channel = copy.get("channel", Channel.EMAIL)
        _check_channel(kind, channel)
        fields = _row(
            kind=kind,
            channel=channel,
            address=copy["address"],
            context=copy.get("context"),
            due_at=due_at,
            client_ref=copy.get("client_ref"),
            created_by=created_by,
        )
        rows.append(OutboxMessage(practice=practice, idempotency_key=copy["idempotency_key"], **fields))
    with scope(practice=practice):
        OutboxMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    if rows and due_at <= timezone.now():
        dispatch_soon()
    return len(rows)


def _check_channel(kind: MessageKind, channel: str) -> None:
    if channel not in kind.channels:
        raise ValueError(f"Message kind {kind.name!r} does not go by {channel}.")


def _row(*, kind: MessageKind, channel, address, context, due_at, client_ref, created_by) -> dict:
    return {
        "kind": kind.name,
        "purpose": kind.purpose,
        "template": kind.template_name,
        "channel": channel,
        "address": normalise_address(channel, address),
        "context": context or {},
        "due_at": due_at or timezone.now(),
        "client_ref": client_ref,
        "created_by": created_by,
    }


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
    """Ask for a dispatch right after the caller's transaction commits, for messages due now (a
    confirmation, a one-time code): once per transaction, however many it queued. Best effort: if
    the broker is unreachable, the minutely dispatch sends them anyway."""
    pending = transaction.get_connection().run_on_commit
    if not any(callback is _publish_dispatch for _, callback, _ in pending):
        transaction.on_commit(_publish_dispatch)


def _publish_dispatch() -> None:
    try:
        current_app.send_task("outbox.tasks.dispatch_due_messages", retry=False)
    except Exception as error:  # the messages are safe in the outbox; only the shortcut failed
        logger.warning("could not ask for an early dispatch: %r", error)
