"""Warnings before a booking or a move is saved: things the front desk may well mean, but should
see first. They never refuse anything (the booking service and the database's constraints do
that); a page shows them with a "Book anyway" or "Move anyway" button and saves on the second,
confirmed request.

Use it from any page that books (the booking page, the move page, a calendar cell):

    found = booking_warnings(practice=..., client=..., therapist=..., starts_at=..., ends_at=...)
    if not confirmed(found, request.POST.get("confirm", "")):
        ...  # show `found` and a button that posts the same time again with confirm=confirmation(found)

or, with a service instead of an end, `warnings_to_confirm(..., service=..., confirm=...)`, which
returns only what is still to confirm (an empty list: save now). templates/sessions/_warnings.html
lists them.

What is warned about (codes are stable, messages are for the desk):

- ``overlap``: the client already has a visit at that time with another therapist (a clash with
  the same therapist is the booking service's to refuse, with its next free times).
- ``same_day``: the client already has a visit that day (the practice's day).
- ``too_soon`` / ``too_late``: the new visit is further from the client's neighbouring visits than
  the plan allows. The interval is the one the checkout screen offers (the last completed visit's
  note, else the client's active treatment plan, else the therapist's advice at completion; see
  ``sessions.notes.next_visit_advice``). The tolerance is PLAN_TOLERANCE of the interval, at least
  MIN_TOLERANCE_DAYS: weekly accepts 4 to 10 days, every two weeks 7 to 21, monthly (28) 14 to 42.
  Too soon counts against the visit before and the visit after (on other days); too late only
  against the visit before, and only while a visit in time is still possible (a client who has
  already lapsed is not warned about at every booking: they are welcome back at any date).
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Value
from django.utils import formats, timezone

from .models import Appointment, TreatmentPlan, overlapping

PLAN_TOLERANCE = 0.5  # of the plan's interval, either way
MIN_TOLERANCE_DAYS = 2

OVERLAP, SAME_DAY, TOO_SOON, TOO_LATE = "overlap", "same_day", "too_soon", "too_late"


@dataclass(frozen=True)
class BookingWarning:
    """One thing to confirm before saving: a stable `code` and the `message` the desk reads."""

    code: str
    message: str

    @property
    def key(self) -> str:
        """What a confirmation names: this warning, as it was shown (a different visit or time is a
        different warning, and asks again)."""
        return hashlib.blake2s(f"{self.code}:{self.message}".encode(), digest_size=6).hexdigest()


def confirmation(warnings: list[BookingWarning]) -> str:
    """The value of the `confirm` field that accepts exactly these warnings."""
    return " ".join(warning.key for warning in warnings)


def confirmed(warnings: list[BookingWarning], confirm: str) -> bool:
    """Whether every warning found now was among those the person confirmed (none found: True). A
    warning that appeared since (another desk booked meanwhile) is shown before anything is saved."""
    accepted = set(confirm.split())
    return all(warning.key in accepted for warning in warnings)


def warnings_to_confirm(
    *, practice, client, therapist, service, starts_at: datetime, confirm: str, exclude_id=None
) -> list[BookingWarning]:
    """booking_warnings for `service` at `starts_at`, unless `confirm` (the posted field) accepts
    them all: an empty list means save now, anything else is what to show before saving."""
    found = booking_warnings(
        practice=practice,
        client=client,
        therapist=therapist,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=service.duration_minutes),
        exclude_id=exclude_id,
    )
    return [] if confirmed(found, confirm) else found


# What each neighbouring visit is read with: its time, therapist, service and the advice it carries.
_FIELDS = (
    "id",
    "therapist_id",
    "starts_at",
    "ends_at",
    "status",
    "recommended_interval_days",
    "note__plan_interval_days",
    "service__name",
    "therapist__first_name",
    "therapist__last_name",
    "therapist__email",
)


@dataclass(frozen=True)
class _Visit:
    part: str  # "day", "before", "after" or "advice": which question the row answers
    id: object
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    recommended_interval_days: int | None
    note_interval_days: int | None
    service: str
    therapist_first_name: str
    therapist_last_name: str
    therapist_email: str

    @property
    def therapist_name(self) -> str:
        return f"{self.therapist_first_name} {self.therapist_last_name}".strip() or self.therapist_email


def booking_warnings(
    *, practice, client, therapist, starts_at: datetime, ends_at: datetime, exclude_id=None
) -> list[BookingWarning]:
    """What to confirm before booking `client` with `therapist` from `starts_at` to `ends_at` (the
    visit's own time, without the buffer after it); `exclude_id` is the appointment being moved,
    which is not its own neighbour. Reads only `practice`'s rows; two queries at most (the
    client's neighbouring visits, then the active plan when no note gives the interval). An empty
    list means book at once."""
    zone = practice.zone
    day = timezone.localtime(starts_at, zone).date()
    day_start, day_end = (datetime.combine(d, time.min).replace(tzinfo=zone) for d in (day, day + timedelta(days=1)))
    visits = _neighbours(
        practice=practice,
        client=client,
        starts_at=starts_at,
        around=(min(day_start, starts_at), max(day_end, ends_at)),
        exclude_id=exclude_id,
    )
    found = [
        warning
        for visit in visits
        if visit.part == "day"
        for warning in [_same_day_warning(client, therapist, starts_at, ends_at, visit, zone)]
        if warning
    ]
    before = next((v for v in visits if v.part == "before"), None)
    after = next((v for v in visits if v.part == "after"), None)
    if before or after:
        advice = next((v for v in visits if v.part == "advice"), None)
        interval = _plan_interval(practice=practice, client=client, advice=advice)
        if interval:
            found += _pattern_warnings(client, day, before, after, interval, zone)
    return found


def _neighbours(*, practice, client, starts_at, around, exclude_id) -> list[_Visit]:
    """One query: the client's visits that day (or overlapping the new one), the last one before
    that day, the first one after it, and the last completed visit before the new one (whose
    advice sets the interval). Cancelled and missed visits do not count."""
    visits = Appointment.objects.filter(practice=practice, client=client, status__in=Appointment.ACTIVE)
    if exclude_id:
        visits = visits.exclude(pk=exclude_id)
    first, last = around

    def part(name, queryset):
        return queryset.annotate(part=Value(name)).values_list("part", *_FIELDS)

    rows = part("day", visits.filter(overlapping(first, last, until="ends_at"))).union(
        part("before", visits.filter(starts_at__lt=first).order_by("-starts_at")[:1]),
        part("after", visits.filter(starts_at__gte=last).order_by("starts_at")[:1]),
        part(
            "advice",
            visits.filter(status=Appointment.Status.COMPLETED, starts_at__lt=starts_at).order_by("-starts_at")[:1],
        ),
        all=True,
    )
    return sorted((_Visit(*row) for row in rows), key=lambda visit: visit.starts_at)


def _when(moment: datetime, zone, pattern="D j M H:i") -> str:
    return formats.date_format(timezone.localtime(moment, zone), pattern)


def _same_day_warning(client, therapist, starts_at, ends_at, visit: _Visit, zone) -> BookingWarning | None:
    visit_span = f"{_when(visit.starts_at, zone)}–{_when(visit.ends_at, zone, 'H:i')}"
    if visit.starts_at < ends_at and visit.ends_at > starts_at:
        if visit.therapist_id == getattr(therapist, "pk", therapist):
            return None  # the same therapist at the same time: the booking service refuses it
        return BookingWarning(
            OVERLAP,
            f"{client} is already booked at that time: {visit.service} {visit_span} with {visit.therapist_name}.",
        )
    return BookingWarning(
        SAME_DAY,
        f"{client} already has a visit that day: {visit.service} {visit_span} with {visit.therapist_name}.",
    )


@dataclass(frozen=True)
class _Interval:
    days: int
    source: str

    @property
    def tolerance(self) -> int:
        return max(MIN_TOLERANCE_DAYS, math.floor(self.days * PLAN_TOLERANCE))

    @property
    def rhythm(self) -> str:
        return f"the plan is every {self.days} day{'s' if self.days != 1 else ''} ({self.source})"


def _plan_interval(*, practice, client, advice: _Visit | None) -> _Interval | None:
    """The interval the checkout screen would offer after the last completed visit: its note's,
    else the active plan's (the second query, only then), else the therapist's advice."""
    if advice and advice.note_interval_days:
        return _Interval(advice.note_interval_days, "from the session note")
    plan = (
        TreatmentPlan.objects.filter(practice=practice, client=client, status=TreatmentPlan.Status.ACTIVE)
        .select_related("phase")
        .order_by("-starts_on")
        .first()
    )
    if plan:
        return _Interval(plan.interval_days, f"{plan.phase.name.lower()} plan: {plan.rhythm}")
    if advice and advice.recommended_interval_days:
        return _Interval(advice.recommended_interval_days, "the therapist's advice")
    return None


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _pattern_warnings(client, day: date, before, after, interval: _Interval, zone) -> list[BookingWarning]:
    soonest, latest = interval.days - interval.tolerance, interval.days + interval.tolerance
    warnings = []
    if before:
        gap = (day - timezone.localtime(before.starts_at, zone).date()).days
        seen = _when(before.starts_at, zone, "D j M")
        if gap < soonest:
            warnings.append(
                BookingWarning(TOO_SOON, f"Only {_days(gap)} after {client}'s visit on {seen}; {interval.rhythm}.")
            )
        last_good_day = timezone.localtime(before.starts_at, zone).date() + timedelta(days=latest)
        if gap > latest and last_good_day >= timezone.localdate(timezone=zone):
            warnings.append(
                BookingWarning(
                    TOO_LATE,
                    f"{_days(gap)} after {client}'s visit on {seen}; {interval.rhythm}, "
                    f"so by {formats.date_format(last_good_day, 'D j M')} at the latest.",
                )
            )
    if after:
        gap = (timezone.localtime(after.starts_at, zone).date() - day).days
        if gap < soonest:
            seen = _when(after.starts_at, zone, "D j M")
            warnings.append(
                BookingWarning(TOO_SOON, f"Only {_days(gap)} before {client}'s visit on {seen}; {interval.rhythm}.")
            )
    return warnings
