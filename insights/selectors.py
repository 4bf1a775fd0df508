"""Reads for the practice's figures: rebooking, no-shows and late cancels per therapist and month;
new clients per month by where they came from. Call inside the practice's scope."""

from datetime import date, datetime, time, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db.models import Count, DateTimeField, DurationField, Exists, Func, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from clients.models import Client
from practice.models import Practice, User
from referrals.models import Referral
from sessions.models import Appointment


def rebooking_figures(*, practice: Practice, since: date) -> list[dict]:
    """Per month and therapist: completed visits, the share rebooked at checkout, the share with
    another visit booked within 7 days, and the no-show and late-cancel rates. Three queries however
    long the history: one pass over the period's visits with their checkout outcomes joined gives
    every count but one; "booked within a week" is a condition on other rows, so it has a grouped
    query of its own whose WHERE PostgreSQL semi-joins (inside a count it would be asked once per
    visit); the therapists' names come last, for the few rows there are."""
    first, months, visits = _period(practice, since)
    rows = list(_counts(visits, months))
    within_week = _booked_within_week(practice, first, visits, months)
    # The therapists in the database's order of first names (its collation, as the rows had it).
    therapists = User.objects.filter(pk__in={row["therapist_id"] for row in rows}).order_by("first_name")
    names = {
        pk: (rank, first_name, last_name)
        for rank, (pk, first_name, last_name) in enumerate(therapists.values_list("pk", "first_name", "last_name"))
    }
    figures = []
    for row in sorted(rows, key=lambda row: (-row["month"], names[row["therapist_id"]][0])):
        number, (_, first_name, last_name) = row["month"], names[row["therapist_id"]]
        row = {
            **row,
            "month": months[number - 1],
            "therapist__first_name": first_name,
            "therapist__last_name": last_name,
            "within_week": row["at_checkout"] + within_week.get((number, row["therapist_id"]), 0),
        }
        figures.append({**row, **_rates(row)})
    return figures


def rebooked_at_checkout(*, practice: Practice, since: date) -> list[dict]:
    """The chart's figures: per month and therapist, completed visits and those rebooked at
    checkout, as `rebooking_figures` counts them (its first query alone)."""
    _, months, visits = _period(practice, since)
    return [{**row, "month": months[row["month"] - 1]} for row in _counts(visits, months)]


def _period(practice: Practice, since: date):
    """The period's first instant, the first instant of each month from `since`'s to the current one
    in the practice's zone, and the period's visits that have taken place (or should have)."""
    zone, now = practice.zone, timezone.now()
    first = datetime.combine(since, time.min).replace(tzinfo=zone)
    month, months = since.replace(day=1), []
    while month <= now.astimezone(zone).date() or not months:
        months.append(datetime.combine(month, time.min).replace(tzinfo=zone))
        month = (month + timedelta(days=32)).replace(day=1)
    return first, months, Appointment.objects.filter(practice=practice, starts_at__gte=first, starts_at__lt=now)


COMPLETED = Q(status=Appointment.Status.COMPLETED)


def _counts(visits, months):
    return (
        visits.annotate(month=_MonthNumber("starts_at", months))
        .values("month", "therapist_id")
        .annotate(
            completed=Count("id", filter=COMPLETED),
            # A join through the one-to-one key (practice_id too), never a subquery per visit; one
            # outcome at most per visit, so the other counts are not multiplied by it.
            at_checkout=Count("id", filter=COMPLETED & Q(checkout__booked=True)),
            no_shows=Count("id", filter=Q(status=Appointment.Status.NO_SHOW)),
            late=Count("id", filter=Q(status=Appointment.Status.CANCELLED, cancel_reason="late")),
            scheduled=Count("id", filter=~Q(status=Appointment.Status.CANCELLED) | Q(cancel_reason="late")),
        )
        .order_by()  # grouped by hashing two numbers; the few rows are sorted in Python
    )


# Seven days as 168 hours, which is what they are to Python and in the session's time zone (UTC): an
# interval in days is added through calendar fields, and it is added once per pair of a visit and
# another visit of its client (about a quarter of that query's time on the bench data).
WEEK = Cast(Value("168 hours"), output_field=DurationField())


def _booked_within_week(practice, first, visits, months) -> dict:
    """(month number, therapist id) -> completed visits not rebooked at checkout after which the
    client booked another visit (not cancelled since) within 7 days of the visit's end; the caller
    adds those rebooked at checkout, which count in both figures."""
    # From the visit's start, not its end: a visit checked out early is rebooked before its scheduled
    # end. Bounds implied by the conditions after them (another visit starts after one in the period,
    # and was booked after that one started); said outright, they keep older history out of the join.
    later = (
        Appointment.objects.filter(practice=practice, starts_at__gt=first, created_at__gt=first)
        .filter(
            client=OuterRef("client"),
            created_at__gte=OuterRef("starts_at"),
            created_at__lt=OuterRef("ends_at") + WEEK,
            starts_at__gt=OuterRef("starts_at"),
        )
        .exclude(status=Appointment.Status.CANCELLED)
    )
    # Those rebooked at checkout are left out here (a join to their outcome, not a condition OR-ed
    # with the EXISTS, which PostgreSQL would ask once per visit) and counted from the first query.
    not_rebooked_at_checkout = Q(checkout__isnull=True) | Q(checkout__booked=False)
    rows = (
        visits.filter(COMPLETED, not_rebooked_at_checkout, Exists(later))
        .annotate(month=_MonthNumber("starts_at", months))
        .values("month", "therapist_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(row["month"], row["therapist_id"]): row["count"] for row in rows}


class _MonthNumber(Func):
    """Which of `months` (first instants, in order) a time falls in, from 1. `width_bucket` finds it
    by binary search over a dozen bounds, where truncating each visit's local time to its month
    converts every row to the practice's time zone (about a sixth of the counting query's time on
    the bench data). The bounds come from Python's zone data, like the period's start and every time
    the app shows; PostgreSQL's AT TIME ZONE read a few zone names (CET, EET, MET, WET) as fixed
    offsets without summer time."""

    function = "width_bucket"
    output_field = IntegerField()

    def __init__(self, expression, months: list[datetime]):
        super().__init__(expression, Value(months, output_field=ArrayField(DateTimeField())))


def _rates(row) -> dict:
    def share(part, whole):
        return round(100 * part / whole) if whole else None

    return {
        "rebooked_rate": share(row["at_checkout"], row["completed"]),
        "within_week_rate": share(row["within_week"], row["completed"]),
        "no_show_rate": share(row["no_shows"], row["scheduled"]),
        "late_cancel_rate": share(row["late"], row["scheduled"]),
    }


# The client's own answer, for clients whose source was never recorded in detail.
STREAM_OF_ANSWER = {
    "client": "client",
    "health_professional": "medical",
    "business": "business",
    "web": "web",
    "event": "web",
    "other": "web",
    "": "web",
}


def new_clients_by_stream(*, practice, months: int = 12) -> list[dict]:
    """New clients per month by stream, newest month first: a recorded referral wins, else what the
    client said at intake. One query."""
    zone = practice.zone
    today = timezone.localdate(timezone=zone)
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = Client.objects.filter(practice=practice, created_at__date__gte=first).values_list(
        "created_at", "referral__stream", "heard_via"
    )
    table = {}
    for created_at, stream, answer in rows:
        month = timezone.localtime(created_at, zone).date().replace(day=1)
        counts = table.setdefault(month, {value: 0 for value in Referral.Stream.values})
        counts[stream or STREAM_OF_ANSWER.get(answer, "web")] += 1
    return [
        {"month": month, "counts": counts, "total": sum(counts.values())}
        for month, counts in sorted(table.items(), reverse=True)
    ]
