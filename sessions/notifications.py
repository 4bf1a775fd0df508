"""What the client hears about their appointments, all through the outbox: a confirmation with a
calendar file when booked, an update (same UID, higher SEQUENCE) when moved, a cancellation, and a
reminder before the visit, which honours the client's reminder consent at send time."""

from datetime import timedelta

from django.utils import formats, timezone

from clients.contact import client_route
from outbox.kinds import MessageKind, register_kind
from outbox.models import Purpose
from outbox.services import enqueue, message_cancel_by_key

from .ics import appointment_ics
from .models import Appointment

CONFIRMATION = register_kind(MessageKind("appointment_confirmation", Purpose.TRANSACTIONAL))
UPDATE = register_kind(MessageKind("appointment_update", Purpose.TRANSACTIONAL))
CANCELLATION = register_kind(MessageKind("appointment_cancellation", Purpose.TRANSACTIONAL))
# Reminders are about a booked visit, not marketing, but the client chooses whether to get them.
APPOINTMENT_REMINDER = register_kind(MessageKind("appointment_reminder", Purpose.REMINDERS))


def _context(appointment: Appointment, **extra) -> dict:
    local = timezone.localtime(appointment.starts_at, appointment.practice.zone)
    client = appointment.client
    return {
        "first_name": client.preferred_name or client.first_name,
        "when": formats.date_format(local, "l j F Y, H:i"),
        "service": appointment.service.name,
        "therapist": appointment.therapist.first_name or str(appointment.therapist),
        **extra,
    }


def _ics_attachment(appointment, *, cancelled=False) -> list[dict]:
    return [
        {
            "filename": "appointment.ics",
            "mimetype": "text/calendar",
            "content": appointment_ics(appointment, cancelled=cancelled),
        }
    ]


def _reminder_key(appointment) -> str:
    return f"reminder:{appointment.pk}:{appointment.sequence}"


def _queue(appointment, *, kind: MessageKind, key: str, context: dict, actor=None, due_at=None):
    """One message about the appointment, by the channel client_route chooses (none: no address)."""
    route = client_route(client=appointment.client, kind=kind)
    if route is None:
        return
    channel, address = route
    enqueue(
        practice=appointment.practice,
        kind=kind,
        channel=channel,
        address=address,
        created_by=actor,
        client_ref=appointment.client_id,
        idempotency_key=key,
        due_at=due_at,
        context=context,
    )


def _schedule_reminder(appointment):
    hours = appointment.practice.reminder_hours_before
    due = appointment.starts_at - timedelta(hours=hours)
    if hours and due > timezone.now():
        _queue(
            appointment,
            kind=APPOINTMENT_REMINDER,
            key=_reminder_key(appointment),
            due_at=due,
            context=_context(appointment),
        )


def _notify(appointment, *, kind: MessageKind, key: str, actor=None, cancelled: bool = False):
    """Queue one service message about the appointment, with its calendar file (for email)."""
    context = _context(appointment, attachments=_ics_attachment(appointment, cancelled=cancelled))
    _queue(appointment, kind=kind, key=key, context=context, actor=actor)


def notify_booked(appointment: Appointment, *, actor=None):
    _notify(appointment, kind=CONFIRMATION, key=f"confirmation:{appointment.pk}:{appointment.sequence}", actor=actor)
    _schedule_reminder(appointment)


def notify_moved(appointment: Appointment, *, previous_sequence: int, actor=None):
    message_cancel_by_key(
        practice=appointment.practice, idempotency_key=f"reminder:{appointment.pk}:{previous_sequence}"
    )
    _notify(appointment, kind=UPDATE, key=f"update:{appointment.pk}:{appointment.sequence}", actor=actor)
    _schedule_reminder(appointment)


def notify_cancelled(appointment: Appointment, *, previous_sequence: int, actor=None):
    message_cancel_by_key(
        practice=appointment.practice, idempotency_key=f"reminder:{appointment.pk}:{previous_sequence}"
    )
    _notify(appointment, kind=CANCELLATION, key=f"cancellation:{appointment.pk}", actor=actor, cancelled=True)
