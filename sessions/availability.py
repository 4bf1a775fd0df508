"""Open slots: when a service can be booked with a therapist, honouring working hours (and the
breaks between them), time off, the service's buffer, rooms and existing appointments.

Hours are wall-clock times in the practice's zone: on a daylight-saving day a 9:00 start is still
9:00 local, and a wall-clock time that does not exist that day (the spring-forward gap) is never
offered."""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Q
from django.utils import timezone

from practice.models import Membership, Practice, User

from .models import Appointment, Room, Service, TimeOff, WorkingHours, overlapping

STEP_MINUTES = 15


@dataclass(frozen=True)
class Slot:
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    room_id: object = None


def bookable_people(*, practice: Practice):
    """Who takes appointments, by name: therapists, and any other member with working hours."""
    with_hours = WorkingHours.objects.filter(practice=practice).values("therapist_id")
    return User.objects.filter(
        Q(memberships__practice=practice) & (Q(memberships__role=Membership.Role.THERAPIST) | Q(pk__in=with_hours))
    ).order_by("first_name", "last_name", "pk")


def therapist_ids(*, practice: Practice) -> list[int]:
    return list(bookable_people(practice=practice).values_list("pk", flat=True))


# With a limit, busy times are read a week at a time: the first week usually holds enough slots,
# and reading 60 days of bookings to offer the next ten would cost far more than the search.
CHUNK_DAYS = 7


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
    between: tuple[time, time] | None = None,
) -> list[Slot]:
    """Bookable starts for `service` from day `start` to day `end` (inclusive, practice days), with
    one therapist or any. Not before `not_before` (default: now). A practice with rooms gets a free
    room in every slot. `exclude_appointment_id` ignores one appointment (moving it). `between`
    keeps only starts from one local time of day to another, both included."""
    therapists = [therapist_id] if therapist_id else therapist_ids(practice=practice)
    hours, rooms = _hours_and_rooms(practice, therapists)
    search = _Search(
        practice=practice,
        therapists=therapists,
        hours=hours,
        rooms=rooms,
        duration=service.duration_minutes * 60,
        block=(service.duration_minutes + service.buffer_after_minutes) * 60,
        step=step_minutes * 60,
        not_before=(not_before or timezone.now()).timestamp(),
        exclude_appointment_id=exclude_appointment_id,
        between=between,
    )
    slots = []
    first = start
    while first <= end and not (limit and len(slots) >= limit):
        last = min(end, first + timedelta(days=CHUNK_DAYS - 1)) if limit else end
        slots += search.days(first, last, limit=limit and limit - len(slots))
        first = last + timedelta(days=1)
    order = {therapist: position for position, therapist in enumerate(therapists)}
    slots.sort(key=lambda slot: (slot.starts_at, order[slot.therapist_id]))
    return slots[:limit] if limit else slots


@dataclass
class _Search:
    """One search's settings; times are POSIX timestamps (seconds) until a slot is made."""

    practice: Practice
    therapists: list
    hours: dict
    rooms: list
    duration: int
    block: int
    step: int
    not_before: float
    exclude_appointment_id: object
    between: tuple[time, time] | None

    def days(self, first: date, last: date, *, limit: int | None) -> list[Slot]:
        """The slots of the days `first` to `last`, stopping after the day that reaches `limit`."""
        zone = self.practice.zone
        window = (_local(first, time.min, zone), _local(last + timedelta(days=1), time.min, zone))
        busy = _busy_by_therapist(self.practice, self.therapists, window, self.exclude_appointment_id)
        room_busy = _busy_by_room(self.practice, window, self.exclude_appointment_id) if self.rooms else {}
        slots = []
        day = first
        while day <= last and not (limit and len(slots) >= limit):
            earliest, latest = self.not_before, float("inf")
            if self.between:
                earliest = max(earliest, _local(day, self.between[0], zone).timestamp())
                latest = _local(day, self.between[1], zone).timestamp()
            for therapist in self.therapists:
                taken = busy.get(therapist, NOTHING)
                for opens, closes in self.hours.get((therapist, day.weekday()), ()):
                    for starts in _starts(day, opens, closes, zone, self.step, self.duration):
                        if not earliest <= starts <= latest or taken.overlaps(starts, starts + self.block):
                            continue
                        room = _free_room(self.rooms, room_busy, starts, starts + self.block) if self.rooms else None
                        if self.rooms and room is None:
                            continue
                        slots.append(self._slot(therapist, starts, room))
            day += timedelta(days=1)
        return slots

    def _slot(self, therapist, starts: float, room) -> Slot:
        # The end as the booking service computes it (wall-clock arithmetic in the practice's zone).
        starts_at = datetime.fromtimestamp(starts, self.practice.zone)
        return Slot(therapist, starts_at, starts_at + timedelta(seconds=self.duration), room)


def _local(day: date, at: time, zone) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone)


def _starts(day: date, opens: time, closes: time, zone, step: int, duration: int) -> list[float]:
    """Every `step` from `opens` to the last start that ends by `closes`, as timestamps. On a day
    whose clock does not change that is simple arithmetic; on the day it does, each wall-clock
    time is converted on its own, so 9:00 stays 9:00 local and a time the clock skipped is never
    offered."""
    closes_at = _local(day, closes, zone).timestamp()
    if _local(day, time.min, zone).utcoffset() == _local(day + timedelta(days=1), time.min, zone).utcoffset():
        return list(_range(_local(day, opens, zone).timestamp(), closes_at - duration, step))
    starts = []
    wall = datetime.combine(day, opens)
    while True:
        aware = _existing(wall, zone)
        wall += timedelta(seconds=step)
        if aware is None:
            continue  # inside the spring-forward gap
        if aware.timestamp() + duration > closes_at:
            return starts
        starts.append(aware.timestamp())


def _range(first: float, last: float, step: int):
    while first <= last:
        yield first
        first += step


def _existing(wall: datetime, zone) -> datetime | None:
    """The aware time for a local wall-clock time, or None when the clock skipped it that day."""
    aware = wall.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return aware if round_trip == wall else None


def _hours_and_rooms(practice, therapists) -> tuple[dict, list]:
    """The therapists' working hours by (therapist, weekday), and the practice's active rooms by
    name, in one query: each hours row carries the rooms (a subquery PostgreSQL runs once). With no
    hours there is no slot, and the rooms do not matter."""
    rooms = ArraySubquery(Room.objects.filter(practice=practice, active=True).order_by("name").values("id"))
    rows = (
        WorkingHours.objects.filter(practice=practice, therapist_id__in=therapists)
        .annotate(rooms=rooms)
        .order_by("starts")
        .values_list("therapist_id", "weekday", "starts", "ends", "rooms")
    )
    hours, active_rooms = {}, []
    for therapist, weekday, starts, ends, practice_rooms in rows:
        hours.setdefault((therapist, weekday), []).append((starts, ends))
        active_rooms = practice_rooms  # the same on every row
    return hours, active_rooms


def _busy_by_therapist(practice, therapists, window, exclude_appointment_id):
    """Bookings and time off, in one query."""
    appointments = (
        Appointment.objects.filter(
            overlapping(*window), practice=practice, therapist_id__in=therapists, status__in=Appointment.ACTIVE
        )
        .exclude(pk=exclude_appointment_id)
        .values_list("therapist_id", "starts_at", "blocked_until")
    )
    time_off = TimeOff.objects.filter(
        practice=practice, therapist_id__in=therapists, starts_at__lt=window[1], ends_at__gt=window[0]
    ).values_list("therapist_id", "starts_at", "ends_at")
    busy = {}
    for therapist, starts, ends in appointments.union(time_off, all=True):
        busy.setdefault(therapist, []).append((starts, ends))
    return {therapist: Busy(intervals) for therapist, intervals in busy.items()}


def _busy_by_room(practice, window, exclude_appointment_id):
    busy = {}
    rows = (
        Appointment.objects.filter(
            overlapping(*window), practice=practice, room__isnull=False, status__in=Appointment.ACTIVE
        )
        .exclude(pk=exclude_appointment_id)
        .values_list("room_id", "starts_at", "blocked_until")
    )
    for room, starts, ends in rows:
        busy.setdefault(room, []).append((starts, ends))
    return {room: Busy(intervals) for room, intervals in busy.items()}


class Busy:
    """A therapist's or room's busy time: merged, sorted intervals (timestamps), asked by binary search."""

    def __init__(self, intervals):
        self.starts, self.ends = [], []
        for starts, ends in sorted((s.timestamp(), e.timestamp()) for s, e in intervals):
            if self.ends and starts <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], ends)
            else:
                self.starts.append(starts)
                self.ends.append(ends)

    def overlaps(self, starts: float, ends: float) -> bool:
        last_before_end = bisect_left(self.starts, ends) - 1
        return last_before_end >= 0 and self.ends[last_before_end] > starts


NOTHING = Busy([])


def _free_room(rooms, room_busy, starts: float, ends: float):
    return next((room for room in rooms if not room_busy.get(room, NOTHING).overlaps(starts, ends)), None)
