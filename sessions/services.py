"""Booking, moving, cancelling and completing appointments; series; checkout outcomes.

Every booking is checked first (so people get a clear message) and then guarded by the database's
exclusion constraints (so two desks booking the same minute cannot both win): a lost race becomes
SlotTaken with the next free slots."""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import formats, timezone
from django_scopes import scope
from psycopg2.errors import DeadlockDetected, SerializationFailure

from practice.tokens import new_token, token_hash, token_practice, token_route

from . import notifications
from .availability import Slot, open_slots
from .models import (
    Appointment,
    CalendarFeed,
    CheckoutOutcome,
    Room,
    Service,
    Technique,
    TimeOff,
    WorkingHours,
    overlapping,
)
from .signals import slot_freed, visit_completed

Status = Appointment.Status


@dataclass
class SlotTaken(Exception):
    """The time is no longer free; `alternatives` are the next open slots with the same therapist."""

    message: str
    alternatives: list[Slot] = field(default_factory=list)

    def __str__(self):
        return self.message


@dataclass
class SeriesConflict(Exception):
    """Some times of a series are not free; nothing was booked."""

    conflicts: list[datetime]
    zone: object = None  # the practice's, to name the times as the desk sees them

    def __str__(self):
        return "Not free: " + ", ".join(
            formats.date_format(timezone.localtime(t, self.zone), "D j M H:i") for t in self.conflicts
        )


def _blocked_range(service: Service, starts_at: datetime) -> tuple[datetime, datetime]:
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    return ends_at, ends_at + timedelta(minutes=service.buffer_after_minutes)


def _clash(*, practice, therapist_id, starts_at, blocked_until, room_id=None, exclude_id=None) -> bool:
    active = Appointment.objects.filter(
        overlapping(starts_at, blocked_until), practice=practice, status__in=Appointment.ACTIVE
    ).exclude(pk=exclude_id)
    return active.filter(therapist_id=therapist_id).exists() or bool(
        room_id and active.filter(room_id=room_id).exists()
    )


def _free_room_id(*, practice, starts_at, blocked_until, exclude_id=None):
    """A free active room for the time, None when the practice books no rooms; raises RoomsTaken
    when all are taken. Called inside the booking's transaction, so a room another desk took a
    moment ago is seen (one taken after this read makes the room constraint refuse, and the
    booking tries again)."""
    rooms = list(Room.objects.filter(practice=practice, active=True).order_by("name").values_list("id", flat=True))
    if not rooms:
        return None
    taken = set(
        Appointment.objects.filter(
            overlapping(starts_at, blocked_until), practice=practice, room_id__in=rooms, status__in=Appointment.ACTIVE
        )
        .exclude(pk=exclude_id)
        .values_list("room_id", flat=True)
    )
    free = [room for room in rooms if room not in taken]
    if not free:
        raise RoomsTaken
    return free[0]


class RoomsTaken(Exception):
    """Every room is taken at the time (the desk is told so, not that the therapist is)."""


def _alternatives(*, practice, service, therapist_id, after: datetime, exclude_id=None) -> list[Slot]:
    """The three free times nearest to `after` (before or after it, within two weeks), in order."""
    day = timezone.localtime(after, practice.zone).date()
    free = open_slots(
        practice=practice,
        service=service,
        therapist_id=therapist_id,
        start=day,
        end=day + timedelta(days=14),
        limit=60,
        exclude_appointment_id=exclude_id,
    )
    nearest = sorted(free, key=lambda slot: abs(slot.starts_at - after))[:3]
    return sorted(nearest, key=lambda slot: slot.starts_at)


# Why a time could not be booked, in the words the desk sees (each said only when it is true).
THERAPIST_TAKEN = "{when} is no longer free with this therapist."
ROOMS_TAKEN = "Every room is taken at {when}."
CONTENDED = "Another booking for {when} was being saved at the same moment; please choose again."


def lost_booking(practice, service, therapist_id, starts_at, *, why: str, exclude_id=None) -> SlotTaken:
    """The SlotTaken that says `why` (THERAPIST_TAKEN, ROOMS_TAKEN, CONTENDED), with the nearest free times."""
    when = formats.date_format(timezone.localtime(starts_at, practice.zone), "D j M, H:i")
    return SlotTaken(
        why.format(when=when),
        _alternatives(
            practice=practice, service=service, therapist_id=therapist_id, after=starts_at, exclude_id=exclude_id
        ),
    )


# A booking is one short transaction checked by two exclusion constraints: two desks booking the
# same instant can deadlock on them, or lose the room chosen a moment before. Either is tried
# again, a few times, before the desk is told.
RACE_ATTEMPTS = 5
THERAPIST_CONSTRAINT, ROOM_CONSTRAINT = "no_double_booking_therapist", "no_double_booking_room"


def _constraint(error: Exception) -> str:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""


def _transient(error: OperationalError) -> bool:
    return isinstance(error.__cause__, (DeadlockDetected, SerializationFailure))


def through_races(work, *, lost):
    """Run `work` (one transaction) until it wins. A room taken meanwhile, or a deadlock, means try
    again (after a short random pause for a deadlock); the therapist taken, every room taken, or
    still contended after RACE_ATTEMPTS raises `lost(why)`, which says which. Inside a caller's
    transaction a deadlock is the caller's to retry: the whole of it was undone."""
    for attempt in range(RACE_ATTEMPTS):
        try:
            return work()
        except RoomsTaken:
            raise lost(ROOMS_TAKEN) from None
        except IntegrityError as error:
            if _constraint(error) == THERAPIST_CONSTRAINT:
                raise lost(THERAPIST_TAKEN) from None
            if _constraint(error) != ROOM_CONSTRAINT:
                raise
        except OperationalError as error:
            if not _transient(error) or transaction.get_connection().in_atomic_block:
                raise
            time.sleep(random.uniform(0.01, 0.03) * 2**attempt)  # 10 ms to 0.5 s in all
    raise lost(CONTENDED)


def appointment_book(
    *,
    practice,
    client,
    therapist,
    service,
    starts_at: datetime,
    actor=None,
    checkout_of: Appointment | None = None,
    by_link_of: Appointment | None = None,
    notify: bool = True,
) -> Appointment:
    """Book `client` with `therapist` for `service` at `starts_at` (a room is chosen when the practice
    has rooms); the confirmation and reminder are queued in the same transaction."""
    ends_at, blocked_until = _blocked_range(service, starts_at)

    def taken() -> bool:
        return _clash(practice=practice, therapist_id=therapist.pk, starts_at=starts_at, blocked_until=blocked_until)

    def lost(why):
        why = THERAPIST_TAKEN if why == CONTENDED and taken() else why  # the usual end of a contest
        return lost_booking(practice, service, therapist.pk, starts_at, why=why)

    if taken():
        raise lost(THERAPIST_TAKEN)

    def book():
        with transaction.atomic():
            appointment = Appointment.objects.create(
                practice=practice,
                client=client,
                therapist=therapist,
                service=service,
                room_id=_free_room_id(practice=practice, starts_at=starts_at, blocked_until=blocked_until),
                starts_at=starts_at,
                ends_at=ends_at,
                blocked_until=blocked_until,
                created_by=actor,
                booked_at_checkout_of=checkout_of,
                booked_by_link_of=by_link_of,
            )
            if notify:
                notifications.notify_booked(appointment, actor=actor)
            return appointment

    return through_races(book, lost=lost)


def appointment_book_series(
    *, practice, client, therapist, service, starts: list[datetime], actor=None, checkout_of: Appointment | None = None
) -> list[Appointment]:
    """Book every time in `starts`, or none: a conflict anywhere refuses the whole series, naming
    the times that are not free."""
    conflicts = []
    for starts_at in starts:
        _, blocked_until = _blocked_range(service, starts_at)
        if _clash(practice=practice, therapist_id=therapist.pk, starts_at=starts_at, blocked_until=blocked_until):
            conflicts.append(starts_at)
    if conflicts:
        raise SeriesConflict(conflicts, practice.zone)

    def book_all():
        with transaction.atomic():
            return [
                appointment_book(
                    practice=practice,
                    client=client,
                    therapist=therapist,
                    service=service,
                    starts_at=starts_at,
                    actor=actor,
                    checkout_of=checkout_of,
                )
                for starts_at in starts
            ]

    try:
        return through_races(book_all, lost=lambda why: SeriesConflict(starts, practice.zone))
    except SlotTaken:
        raise SeriesConflict(starts, practice.zone) from None  # lost a race part-way: nothing was kept


def appointment_move(*, appointment: Appointment, starts_at: datetime, therapist=None, actor=None) -> Appointment:
    """Move (and possibly reassign) a booked appointment; the client gets an update with the same UID."""
    if appointment.status != Status.BOOKED:
        raise ValidationError("Only a booked appointment can be moved.")
    practice, service = appointment.practice, appointment.service
    therapist = therapist or appointment.therapist
    ends_at, blocked_until = _blocked_range(service, starts_at)

    def taken() -> bool:
        return _clash(
            practice=practice,
            therapist_id=therapist.pk,
            starts_at=starts_at,
            blocked_until=blocked_until,
            exclude_id=appointment.pk,
        )

    def lost(why):
        why = THERAPIST_TAKEN if why == CONTENDED and taken() else why  # the usual end of a contest
        return lost_booking(practice, service, therapist.pk, starts_at, why=why, exclude_id=appointment.pk)

    if taken():
        raise lost(THERAPIST_TAKEN)

    def move():
        with transaction.atomic():
            _lock(appointment)
            if appointment.status != Status.BOOKED:  # cancelled or checked in meanwhile
                raise ValidationError("Only a booked appointment can be moved.")
            previous_sequence = appointment.sequence
            freed = appointment.therapist_id, appointment.starts_at, appointment.blocked_until
            appointment.room_id = _free_room_id(
                practice=practice, starts_at=starts_at, blocked_until=blocked_until, exclude_id=appointment.pk
            )
            appointment.therapist, appointment.starts_at = therapist, starts_at
            appointment.ends_at, appointment.blocked_until = ends_at, blocked_until
            appointment.sequence += 1
            appointment.save()
            notifications.notify_moved(appointment, previous_sequence=previous_sequence, actor=actor)
            _tell_freed(appointment, *freed, actor=actor)
            return appointment

    return through_races(move, lost=lost)


def _lock(appointment: Appointment) -> None:
    """Lock the appointment's row and read it afresh (one query): whoever changes it next sees the
    last change."""
    appointment.refresh_from_db(
        from_queryset=Appointment.objects.select_for_update().filter(practice=appointment.practice)
    )


def appointment_cancel(*, appointment: Appointment, reason: str, actor=None) -> Appointment:
    """Cancel with a reason (client, late, practice), or record a no-show; frees the time."""
    if reason != "no_show" and reason not in Appointment.CancelReason.values:
        raise ValidationError("Choose why the appointment is cancelled.")
    with transaction.atomic():
        _lock(appointment)
        if appointment.status not in (Status.BOOKED, Status.ARRIVED):
            raise ValidationError(f"A {appointment.get_status_display().lower()} appointment cannot be cancelled.")
        if reason == "no_show":
            appointment.status = Status.NO_SHOW
        else:
            appointment.status, appointment.cancel_reason = Status.CANCELLED, reason
        previous_sequence = appointment.sequence
        appointment.cancelled_at = timezone.now()
        appointment.sequence += 1
        appointment.save()
        if appointment.status == Status.CANCELLED:
            notifications.notify_cancelled(appointment, previous_sequence=previous_sequence, actor=actor)
            _tell_freed(
                appointment, appointment.therapist_id, appointment.starts_at, appointment.blocked_until, actor=actor
            )
    return appointment


def _tell_freed(appointment, therapist_id, starts_at, blocked_until, *, actor=None) -> None:
    """In the transaction that freed the time: whatever is offered from it (the waitlist's offers
    and their emails) exists exactly when the cancellation or move does."""
    slot_freed.send(
        sender=Appointment,
        visit=appointment,
        therapist_id=therapist_id,
        starts_at=starts_at,
        blocked_until=blocked_until,
        actor=actor,
    )


def appointment_arrive(*, appointment: Appointment) -> Appointment:
    if appointment.status != Status.BOOKED:
        raise ValidationError("Only a booked appointment can be marked arrived.")
    appointment.status = Status.ARRIVED
    appointment.save(update_fields=["status"])
    return appointment


def appointment_complete(
    *, appointment: Appointment, interval_days: int | None = None, recommended_service: Service | None = None
) -> Appointment:
    """The visit happened. The therapist's advice for the next visit feeds the checkout screen."""
    if appointment.status not in (Status.BOOKED, Status.ARRIVED):
        raise ValidationError(f"A {appointment.get_status_display().lower()} appointment cannot be completed.")
    with transaction.atomic():
        appointment.status = Status.COMPLETED
        appointment.recommended_interval_days = interval_days
        appointment.recommended_service = recommended_service
        appointment.save()
        client = appointment.client
        if client.last_visit_at is None or client.last_visit_at < appointment.starts_at:
            client.last_visit_at = appointment.starts_at
            client.save(update_fields=["last_visit_at"])
        visit_completed.send(sender=Appointment, visit=appointment)
    return appointment


def checkout_record(
    *, visit: Appointment, booked: bool, reason: str = "", note: str = "", actor=None
) -> CheckoutOutcome:
    """The outcome of a checkout, once per visit (a later answer replaces an earlier one)."""
    if not booked and reason not in CheckoutOutcome.Reason.values:
        raise ValidationError("Say why the next visit was not booked.")
    outcome, _ = CheckoutOutcome.objects.update_or_create(
        practice=visit.practice,
        visit=visit,
        defaults={"booked": booked, "reason": "" if booked else reason, "note": note, "recorded_by": actor},
    )
    return outcome


def calendar_feed_renew(*, practice, therapist) -> str:
    """Revoke the therapist's current subscription URL and return the token of a new one."""
    with transaction.atomic():
        CalendarFeed.objects.filter(practice=practice, therapist=therapist, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token = new_token()
        CalendarFeed.objects.create(practice=practice, therapist=therapist, token_hash=token_hash(token))
        token_route(practice=practice, token=token, kind="calendar_feed")
    return token


def calendar_feed_revoke(*, practice, therapist) -> None:
    CalendarFeed.objects.filter(practice=practice, therapist=therapist, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed a subscription URL belongs to, in whichever practice (the token is the proof)."""
    practice = token_practice(token, kind="calendar_feed")
    if practice is None:
        return None
    with scope(practice=practice):
        return (
            CalendarFeed.objects.select_related("practice", "therapist")
            .filter(practice=practice, token_hash=token_hash(token), revoked_at__isnull=True)
            .first()
        )


# --- Schedule setup -----------------------------------------------------------------------------

# Hours and time off are deleted; services, rooms and techniques are switched on or off instead,
# because past appointments and notes still name them.
REMOVABLE = {"hours": WorkingHours, "time_off": TimeOff}
SWITCHABLE = {"service": Service, "room": Room, "technique": Technique}


def setup_item_save(*, item):
    """A service, room, technique, phase, hours or time off from the setup page's validated form."""
    item.full_clean()
    item.save()
    return item


def setup_item_remove(*, practice, kind: str, item_id) -> str:
    """Remove hours or time off, or switch a service, room or technique on or off; says what it did."""
    if kind in REMOVABLE:
        REMOVABLE[kind].objects.get(practice=practice, pk=item_id).delete()
        return "Removed."
    if kind not in SWITCHABLE:
        raise ValidationError("That cannot be changed here.")
    item = SWITCHABLE[kind].objects.get(practice=practice, pk=item_id)
    item.active = not item.active
    item.save(update_fields=["active"])
    return f"{item} is {'in use again' if item.active else 'no longer offered'}."
