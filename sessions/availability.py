"""Open slots: when a service can be booked with a therapist, honouring working hours (and the
breaks between them), time off, the service's buffer, rooms and existing appointments.

Hours are wall-clock times in the practice's zone, so slots are built in local time and converted
one by one: on a daylight-saving day a 9:00 start is still 9:00 local, and a wall-clock time that
does not exist that day (the spring-forward gap) is never offered."""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from practice.models import Membership, Practice

from .models import Appointment, Room, Service, TimeOff, WorkingHours

STEP_MINUTES = 15


@dataclass(frozen=True)
class Slot:
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    room_id: object = None


def therapist_ids(*, practice: Practice) -> list[int]:
    """Who takes appointments: therapists, and any other member with working hours."""
    with_hours = WorkingHours.objects.filter(practice=practice).values("therapist_id")
    return list(
        Membership.objects.filter(practice=practice)
        .filter(Q(role=Membership.Role.THERAPIST) | Q(user_id__in=with_hours))
        .order_by("user__first_name", "user__last_name")
        .values_list("user_id", flat=True)
    )


def open_slots(
    *,
    practice: Practice,
    service: Service,
    start: date,
    end: date,
    therapist_id=None,
    step_minutes: int = STEP_MINUTES,
    not_before: datetime | None = None,
    limit: int | None = None,
    exclude_appointment_id=None,
) -> list[Slot]:
    """Bookable starts for `service` from day `start` to day `end` (inclusive, practice days), with
    one therapist or any. Not before `not_before` (default: now). A practice with rooms gets a free
    room in every slot. `exclude_appointment_id` ignores one appointment (moving it)."""
    zone = practice.zone
    not_before = not_before or timezone.now()
    therapists = [therapist_id] if therapist_id else therapist_ids(practice=practice)
    window = (_local(start, time.min, zone), _local(end + timedelta(days=1), time.min, zone))
    hours = _hours(practice, therapists)
    busy = _busy_by_therapist(practice, therapists, window, exclude_appointment_id)
    rooms = list(Room.objects.filter(practice=practice, active=True).values_list("id", flat=True))
    room_busy = _busy_by_room(practice, window, exclude_appointment_id) if rooms else {}
    duration = timedelta(minutes=service.duration_minutes)
    block = duration + timedelta(minutes=service.buffer_after_minutes)

    slots = []
    day = start
    while day <= end:
        for therapist in therapists:
            for opens, closes in hours.get((therapist, day.weekday()), []):
                closes_at = _local(day, closes, zone)
                wall = datetime.combine(day, opens)
                while True:
                    starts_at = _existing(wall, zone)
                    wall += timedelta(minutes=step_minutes)
                    if starts_at is None:
                        continue  # inside the spring-forward gap
                    if starts_at + duration > closes_at:
                        break
                    if starts_at < not_before or busy.get(therapist, NOTHING).overlaps(starts_at, starts_at + block):
                        continue
                    room = _free_room(rooms, room_busy, starts_at, starts_at + block) if rooms else None
                    if rooms and room is None:
                        continue
                    slots.append(Slot(therapist, starts_at, starts_at + duration, room))
        day += timedelta(days=1)
        if limit and len(slots) >= limit:
            break  # later days only hold later slots
    order = {therapist: position for position, therapist in enumerate(therapists)}
    slots.sort(key=lambda slot: (slot.starts_at, order[slot.therapist_id]))
    return slots[:limit] if limit else slots


def _local(day: date, at: time, zone) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone)


def _existing(wall: datetime, zone) -> datetime | None:
    """The aware time for a local wall-clock time, or None when the clock skipped it that day."""
    aware = wall.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return aware if round_trip == wall else None


def _hours(practice, therapists):
    hours = {}
    for row in WorkingHours.objects.filter(practice=practice, therapist_id__in=therapists).order_by("starts"):
        hours.setdefault((row.therapist_id, row.weekday), []).append((row.starts, row.ends))
    return hours


def _busy_by_therapist(practice, therapists, window, exclude_appointment_id):
    busy = {}
    appointments = (
        Appointment.objects.filter(
            practice=practice,
            therapist_id__in=therapists,
            status__in=Appointment.ACTIVE,
            starts_at__lt=window[1],
            blocked_until__gt=window[0],
        )
        .exclude(pk=exclude_appointment_id)
        .values_list("therapist_id", "starts_at", "blocked_until")
    )
    time_off = TimeOff.objects.filter(
        practice=practice, therapist_id__in=therapists, starts_at__lt=window[1], ends_at__gt=window[0]
    ).values_list("therapist_id", "starts_at", "ends_at")
    for therapist, starts, ends in [*appointments, *time_off]:
        busy.setdefault(therapist, []).append((starts, ends))
    return {therapist: Busy(intervals) for therapist, intervals in busy.items()}


def _busy_by_room(practice, window, exclude_appointment_id):
    busy = {}
    rows = (
        Appointment.objects.filter(
            practice=practice,
            room__isnull=False,
            status__in=Appointment.ACTIVE,
            starts_at__lt=window[1],
            blocked_until__gt=window[0],
        )
        .exclude(pk=exclude_appointment_id)
        .values_list("room_id", "starts_at", "blocked_until")
    )
    for room, starts, ends in rows:
        busy.setdefault(room, []).append((starts, ends))
    return {room: Busy(intervals) for room, intervals in busy.items()}


class Busy:
    """A therapist's or room's busy time: merged, sorted intervals, asked by binary search."""

    def __init__(self, intervals):
        self.starts, self.ends = [], []
        for starts, ends in sorted((s.timestamp(), e.timestamp()) for s, e in intervals):
            if self.ends and starts <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], ends)
            else:
                self.starts.append(starts)
                self.ends.append(ends)

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        last_before_end = bisect_left(self.starts, ends.timestamp()) - 1
        return last_before_end >= 0 and self.ends[last_before_end] > starts.timestamp()


NOTHING = Busy([])


def _free_room(rooms, room_busy, starts, ends):
    return next((room for room in rooms if not room_busy.get(room, NOTHING).overlaps(starts, ends)), None)
