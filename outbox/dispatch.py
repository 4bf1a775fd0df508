"""Claiming due messages and sending each one exactly once.

A message goes scheduled -> sending (claimed, with a lease) -> sent / skipped / failed, or back to
scheduled with a later due time after a transient error. Claims are committed before any task is
published, so a lost broker message or a killed worker leaves a claim whose lease runs out; the
next dispatch claims it again. Sending holds the row lock until the outcome is committed, so a
second task for the same row finds it locked or already sent and does nothing.

The one gap no outbox can close is SMTP's own (RFC 1047): a worker killed after the mail server
accepted a message but before the database recorded it will send it again. That window is the
time of one UPDATE and COMMIT; every attempt keeps the same Message-ID so receivers can tell.
"""

import logging
import smtplib
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email.utils import parseaddr
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.core.mail import get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import F, Min, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from practice.models import Practice
from practice.tenancy import across_practices

from .consent import consent_current, has_consent
from .email import make_message
from .kinds import KINDS
from .links import unsubscribe_url
from .models import Channel, OutboxMessage, Purpose

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status

# Errors that another attempt will not cure.
PERMANENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, TemplateDoesNotExist, TemplateSyntaxError)


def _due(now) -> Q:
    return Q(status=Status.SCHEDULED, due_at__lte=now) | Q(status=Status.SENDING, lease_until__lte=now)


def practices_with_due_messages(*, now) -> list:
    """The practices that have messages due, the longest-waiting first: the dispatcher's one read
    across practices (ids only). Each claim then stays within one practice."""
    with scopes_disabled(), across_practices("the dispatcher finds which practices have messages due"):
        return list(
            OutboxMessage.objects.filter(_due(now))
            .values("practice_id")
            .annotate(waiting_since=Min("due_at"))
            .order_by("waiting_since")
            .values_list("practice_id", flat=True)
        )


class Claim(NamedTuple):
    """A claimed message: the send task carries all three, so a worker whose claim lapsed and was
    taken again by another (a higher attempt) leaves the sending to that one."""

    message_id: str
    practice_id: str
    attempt: int


def claim_due_messages(*, batch_size: int | None = None) -> list[Claim]:
    """Claim up to `batch_size` messages that are due, or whose earlier claim lapsed. Rows another
    dispatcher is claiming are skipped (FOR UPDATE SKIP LOCKED), so dispatchers can run side by
    side. Each claim counts as an attempt; a message whose claims kept lapsing (a worker dying on
    it) fails after OUTBOX_MAX_ATTEMPTS instead of looping for ever."""
    now = timezone.now()
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    claimed = []
    for practice_id in practices_with_due_messages(now=now):
        claimed += [
            Claim(message_id, str(practice_id), attempt)
            for message_id, attempt in _claim_in(practice_id, now, batch_size - len(claimed))
        ]
        if len(claimed) >= batch_size:
            break
    return claimed


def _claim_in(practice_id, now, batch_size: int) -> list[str]:
    with scopes_disabled(), transaction.atomic():
        mine = OutboxMessage.objects.filter(practice_id=practice_id)
        rows = list(
            mine.filter(_due(now))
            .order_by("due_at")
            .select_for_update(skip_locked=True)
            .values_list("id", "attempts")[:batch_size]
        )
        worn_out = [pk for pk, attempts in rows if attempts >= settings.OUTBOX_MAX_ATTEMPTS]
        claimed = [(pk, attempts) for pk, attempts in rows if attempts < settings.OUTBOX_MAX_ATTEMPTS]
        mine.filter(id__in=worn_out).update(
            status=Status.FAILED,
            lease_until=None,
            updated_at=now,
            last_error=f"Gave up after {settings.OUTBOX_MAX_ATTEMPTS} attempts that did not finish.",
        )
        mine.filter(id__in=[pk for pk, _ in claimed]).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            updated_at=now,
            lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        )
    return [(str(pk), attempts + 1) for pk, attempts in claimed]


def deliver(message_id: str, practice_id: str, attempt: int | None = None) -> str | None:
    """Send one claimed message and record the outcome; returns the new status, or None when
    there was nothing to do (already sent, cancelled, claimed again since, or another worker's).
    The row stays locked while it is sent, and the outcome is committed right after the server's
    reply; when the database connection died meanwhile, the outcome is recorded on a fresh one,
    so a message the server took is not sent again."""
    practice = Practice.objects.filter(pk=practice_id).first()
    return _deliver(message_id, practice, attempt) if practice is not None else None


def _deliver(message_id: str, practice: Practice, attempt: int | None) -> str | None:
    message, stored_context, handed_over = None, {}, False
    with scope(practice=practice):
        try:
            with transaction.atomic():
                message = _locked_claim(message_id, practice, attempt)
                if message is None:
                    return None
                reason = skip_reason(message)
                if reason:
                    return _finish(message, Status.SKIPPED, skip_reason=reason)
                stored_context = message.context
                kind = KINDS.get(message.kind)
                if kind and kind.refresh:  # what the message says is decided now, not when it was queued
                    message.context = {**stored_context, **kind.refresh(message)}
                SENDERS[message.channel](message)
                handed_over = True
                return _finish(message, Status.SENT)
        except (OperationalError, InterfaceError) as error:
            if message is None:
                raise  # the database is away before anything was sent: the lease brings the row back
            if handed_over:  # sent, but the database went away before it said so
                return _durably(partial(_finish, message, Status.SENT))
            message.context = stored_context
            return _durably(partial(_back_off, message, error))
        except PERMANENT_ERRORS as error:
            message.context = stored_context  # fresh context may hold a secret (a link): never stored
            return _durably(partial(_finish, message, Status.FAILED, error=error))
        except Exception as error:  # a transient failure: try again later, a bounded number of times
            logger.warning("outbox message %s: attempt %s failed: %r", message_id, attempt, error)
            if message is None:
                raise
            message.context = stored_context
            return _durably(partial(_back_off, message, error))


def deliver_batch(practice_id: str, claims: list[tuple[str, int]]) -> list[str | None]:
    """Deliver a practice's claimed messages one after another over one SMTP connection (each
    with its own recorded outcome)."""
    practice = Practice.objects.filter(pk=practice_id).first()  # once for the batch
    if practice is None:
        return [None] * len(claims)
    with _one_smtp_connection():
        return [_deliver(message_id, practice, attempt) for message_id, attempt in claims]


def _locked_claim(message_id, practice, attempt) -> OutboxMessage | None:
    """The claimed message, locked for this transaction; None when it is done, cancelled, being
    sent by another worker, or claimed again since this task was published."""
    message = (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(practice=practice, pk=message_id, status=Status.SENDING)
        .first()
    )
    if message is None or (attempt is not None and message.attempts != attempt):
        return None
    message.practice = practice
    return message


OUTCOME_ATTEMPTS = 5


def _durably(record):
    """Commit an outcome, opening a fresh connection when the database dropped this one (a
    restart, a terminated backend); a few times, a little longer apart each time."""
    for attempt in range(OUTCOME_ATTEMPTS):
        try:
            with transaction.atomic():
                return record()
        except (OperationalError, InterfaceError):
            if attempt == OUTCOME_ATTEMPTS - 1:
                raise
            logger.warning("recording an outbox outcome failed; trying again on a fresh connection")
            db_connection.close()
            time.sleep(0.2 * 2**attempt)


_smtp: ContextVar = ContextVar("outbox_smtp_connection", default=None)


@contextmanager
def _one_smtp_connection():
    smtp = get_connection()
    token = _smtp.set(smtp)
    try:
        yield
    finally:
        _smtp.reset(token)
        smtp.close()


def skip_reason(message: OutboxMessage) -> str:
    """Why the message must not go out now, checked at send time; empty when it may."""
    if not message.address:
        return "No address to send to."
    kind = KINDS.get(message.kind)
    if kind and kind.skip_check and (reason := kind.skip_check(message)):
        return reason
    if message.channel not in SENDERS:
        return f"Sending by {message.get_channel_display().lower()} is not available yet."
    if not has_consent(
        practice=message.practice, channel=message.channel, address=message.address, purpose=message.purpose
    ):
        current = consent_current(
            practice=message.practice, channel=message.channel, address=message.address, purpose=message.purpose
        )
        purpose = Purpose(message.purpose).label.lower()
        if current is None:
            return f"No consent on record for {purpose}."
        return (
            f"No consent for {purpose}: declined or withdrawn on {timezone.localtime(current.at):%d %b %Y} "
            f"({current.get_source_display().lower()})."
        )
    return ""


def _finish(message, status, *, skip_reason="", error=None):
    message.status = status
    message.lease_until = None
    message.skip_reason = skip_reason
    message.last_error = repr(error) if error else ""
    if status == Status.SENT:
        message.sent_at = timezone.now()
    if status != Status.FAILED:
        message.context = {}  # done with: keep no message content (it may hold personal details)
    message.save()
    return status


def _back_off(message, error):
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return _finish(message, Status.FAILED, error=error)
    delay = min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), 3600)
    message.status = Status.SCHEDULED
    message.due_at = timezone.now() + timedelta(seconds=delay)
    message.lease_until = None
    message.last_error = repr(error)
    message.save()
    return Status.SCHEDULED


def _send_email(message: OutboxMessage) -> None:
    context = {**message.context, "practice": message.practice}
    unsubscribe = ""
    if Purpose(message.purpose).offers_unsubscribe:
        unsubscribe = unsubscribe_url(
            practice_id=message.practice_id, channel=message.channel, address=message.address, purpose=message.purpose
        )
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "rebook.localhost"
    email = make_message(
        message.template,
        message.address,
        context,
        unsubscribe_url=unsubscribe,
        message_id=f"<{message.pk}@{domain}>",
        attachments=message.context.get("attachments"),
    )
    message.subject = email.subject[:255]
    smtp = _smtp.get()  # a batch's one connection, or (None) a connection of its own
    email.connection = smtp
    try:
        if smtp is not None and smtp.connection is None:
            smtp.open()  # opened here, it stays open for the batch's next messages
        email.send()
    except Exception:
        if smtp is not None:
            smtp.close()  # a broken connection: the batch's next message opens a new one
        raise


# How each channel "sends": email here; outreach's features register the call channel (a task on a
# staff call list), and a text-message module would register itself the same way.
SENDERS = {Channel.EMAIL: _send_email}


def register_sender(channel: str, send) -> None:
    """`send(message)` delivers a claimed message by `channel`, raising on failure."""
    SENDERS[channel] = send
