"""Reads for the practice's figures: rebooking, no-shows and late cancels per therapist and month;
new clients per month by where they came from. Call inside the practice's scope."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from clients.models import Client
from outreach.selectors import feedback_by_therapist
from practice.models import Practice, User
from referrals.models import Referral
from sessions.models import Appointment, CheckoutOutcome
from sessions.wishes import against_wishes_by_therapist


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


# --- Retention: do new clients come back? --------------------------------------------------------

# A visit took place when the client came: completed, or arrived and not (yet) checked out, and it
# started before now. Booked visits in the past (never marked), cancelled visits and no-shows did not.
TOOK_PLACE = (Appointment.Status.COMPLETED, Appointment.Status.ARRIVED)
# "Came back" means a second visit that took place within 90 days of the first. A client whose first
# visit was less than 90 days ago has not had the whole window: counted apart as too recent to tell
# (with those of them already back), never in the share.
SECOND_VISIT_WINDOW = timedelta(days=90)
# "Still coming N months after the first visit": a visit that took place in the N-th month after it,
# from N to N + 1 calendar months after the first visit's time (months counted on UTC's calendar: at
# most a day from the practice's own at a month's end). A cohort shows a column only once every one
# of its clients has had that whole month; before then it shows nothing, not 0 %.
COHORT_MONTHS = (1, 3, 6, 12)
# Shares of fewer clients than this are shown as counts only ("2 of 3"), never as a percentage.
MIN_BASE = 10
CONVERSION_MONTHS, COHORT_SPAN = 12, 24  # months back, besides the current one


@dataclass(frozen=True)
class Share:
    """`part` of `whole`; a percentage only above a sensible base."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.part / self.whole) if self.whole >= MIN_BASE else None


@dataclass
class Conversion:
    """New clients whose first visit fell in the period and in one group (a month, a therapist, a source)."""

    label: str
    new: int = 0  # first visit in the period
    settled: int = 0  # of those, first visit at least 90 days ago
    back: int = 0  # of the settled, a second visit within 90 days of the first
    recent: int = 0  # first visit less than 90 days ago: too recent to tell
    recent_back: int = 0  # of the recent, already back

    def add(self, row: dict) -> None:
        for name in ("new", "settled", "back", "recent", "recent_back"):
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def share(self) -> Share:
        return Share(self.back, self.settled)


@dataclass
class Cohort:
    """Clients whose first visit fell in one month, and how many of them were still coming later."""

    month: datetime  # its first instant, in the practice's zone
    clients: int = 0
    still: dict = field(default_factory=lambda: dict.fromkeys(COHORT_MONTHS, 0))
    shown: tuple = ()  # the months after that every client of the cohort has had in full

    @property
    def cells(self) -> list[Share | None]:
        return [Share(self.still[n], self.clients) if n in self.shown else None for n in COHORT_MONTHS]


def retention_figures(*, practice: Practice, now: datetime) -> dict:
    """The retention page's figures as of `now`: first-visit to second-visit conversion for first
    visits in the last 12 months and the current one, per month, per therapist of the first visit
    and per referral source; the cohorts of the last 24 months; the reasons recorded at checkout for
    not rebooking, per therapist. Three queries however long the history: the clients' first visits
    with what followed, the checkout outcomes, the therapists' names."""
    cohort_months = _month_starts(practice, now, COHORT_SPAN)
    since = cohort_months[COHORT_SPAN - CONVERSION_MONTHS]
    rows = _first_visit_rows(practice, now, cohort_months)
    total = Conversion("All new clients")
    by_month = {month: Conversion(f"{month:%b %Y}") for month in cohort_months if month >= since}
    by_therapist = {}
    by_source = {value: Conversion(label) for value, label in Referral.Stream.choices}
    for row in rows:
        month = cohort_months[row["month"] - 1]
        if month < since:
            continue
        for group in (total, by_month[month], by_source[row["stream"]]):
            group.add(row)
        by_therapist.setdefault(row["therapist_id"], Conversion("")).add(row)
    outcomes = _checkout_outcomes(practice, since, now)
    names = _names({*by_therapist, *(row["therapist_id"] for row in outcomes)})
    for pk, conversion in by_therapist.items():
        conversion.label = names[pk]
    return {
        "since": since,
        "total": total,
        "by_month": [by_month[month] for month in sorted(by_month, reverse=True)],
        "by_therapist": sorted(by_therapist.values(), key=lambda conversion: conversion.label),
        "by_source": [conversion for conversion in by_source.values() if conversion.new],
        "cohorts": cohort_figures(practice=practice, now=now, rows=rows, months=cohort_months),
        "reasons": _reason_table(outcomes, names),
    }


def cohort_figures(*, practice: Practice, now: datetime, rows=None, months=None) -> list[Cohort]:
    """The cohorts of the last 24 months and the current one, oldest first: clients by the month
    of their first visit, and how many were still coming 1, 3, 6 and 12 months after it. One query
    (none when the retention figures' rows are handed over)."""
    if rows is None:
        months = _month_starts(practice, now, COHORT_SPAN)
        rows = _first_visit_rows(practice, now, months)
    cohorts = [Cohort(month) for month in months]
    for row in rows:
        cohort = cohorts[row["month"] - 1]
        cohort.clients += row["new"]
        for n in COHORT_MONTHS:
            cohort.still[n] += row[f"m{n}"]
    today = now.astimezone(practice.zone).date()
    for cohort in cohorts:
        # Its last client came on its last day; their N-th month after ends N + 1 months after the
        # next month's first day, N + 2 after the cohort's. Shown from the day after (a day to spare).
        cohort.shown = tuple(n for n in COHORT_MONTHS if _plus_months(cohort.month.date(), n + 2) < today)
    return [cohort for cohort in cohorts if cohort.clients]


def _plus_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_starts(practice: Practice, now: datetime, back: int) -> list[datetime]:
    """The first instant of each month in the practice's zone, from `back` months before `now`'s to its own."""
    zone = practice.zone
    this_month = now.astimezone(zone).date().replace(day=1)
    return [
        datetime.combine(_plus_months(this_month, n - back), time.min).replace(tzinfo=zone) for n in range(back + 1)
    ]


def _flag(n: int) -> str:
    """True for a client with a visit in the n-th month after their first."""
    return (
        f"bool_or(starts_at >= first_at + interval '{n} months'"
        f" AND starts_at < first_at + interval '{n + 1} months') AS m{n}"
    )


# One pass over the practice's visits that took place, in the order of the (practice, client,
# starts_at) index, which carries the status and id (an index-only scan; a client's visits at the
# same time put in order of id, in small groups): each visit beside its client's first. The clients
# whose first visit is from the first cohort month on are grouped: their second visit, and the
# months after the first with a visit. The first visit's therapist is looked up by id for those
# clients only (a lateral subquery: a plain join would hash the whole table, as the planner cannot
# know how few they are). Then counted by the month of the first visit (a binary search over the
# practice's month bounds, as `_MonthNumber`), its therapist, and the client's recorded referral and
# own answer (the stream is chosen in Python, as `new_clients_by_stream` does). Its cost hardly
# depends on how many clients are new: on the bench's 100,000 visits, a query that read each new
# client's visits again took twice as long once most clients were new.
FIRST_VISITS_SQL = f"""
WITH visits AS (
    SELECT client_id, starts_at, first_value(starts_at) OVER w AS first_at, first_value(id) OVER w AS first_id
    FROM therapy_sessions_appointment
    WHERE practice_id = %s AND status IN %s AND starts_at < %s
    WINDOW w AS (PARTITION BY client_id ORDER BY starts_at, id)
), clients AS (
    SELECT client_id, first_at, first_id,
        min(starts_at) FILTER (WHERE starts_at > first_at) AS second_at,
        {", ".join(_flag(n) for n in COHORT_MONTHS)}
    FROM visits
    WHERE first_at >= %s
    GROUP BY client_id, first_at, first_id
)
SELECT width_bucket(clients.first_at, %s) AS month, first.therapist_id, referral.stream, client.heard_via,
    count(*) AS new,
    count(*) FILTER (WHERE clients.first_at <= %s) AS settled,
    count(*) FILTER (WHERE clients.first_at <= %s AND clients.second_at < clients.first_at + %s) AS back,
    count(*) FILTER (WHERE clients.first_at > %s) AS recent,
    count(*) FILTER (WHERE clients.first_at > %s AND clients.second_at < clients.first_at + %s) AS recent_back,
    {", ".join(f"count(*) FILTER (WHERE clients.m{n}) AS m{n}" for n in COHORT_MONTHS)}
FROM clients
CROSS JOIN LATERAL (
    SELECT visit.therapist_id FROM therapy_sessions_appointment visit
    WHERE visit.practice_id = %s AND visit.id = clients.first_id
    LIMIT 1  -- one row by its key; the limit keeps the planner from flattening the lateral subquery
) first
JOIN clients_client client ON client.practice_id = %s AND client.id = clients.client_id
LEFT JOIN referrals_referral referral ON referral.practice_id = %s AND referral.client_id = clients.client_id
GROUP BY 1, 2, 3, 4
"""


def _first_visit_rows(practice: Practice, now: datetime, months: list[datetime]) -> list[dict]:
    """Counts of clients whose first visit was from `months[0]` on, by month number (from 1),
    therapist and stream: new, settled, back, recent, recent_back and m1, m3, m6, m12."""
    settled_before = now - SECOND_VISIT_WINDOW
    took_place = tuple(TOOK_PLACE)
    params = [
        *(practice.pk, took_place, now, months[0]),
        months,
        *(settled_before, settled_before, SECOND_VISIT_WINDOW, settled_before, settled_before, SECOND_VISIT_WINDOW),
        *(practice.pk, practice.pk, practice.pk),
    ]
    with connection.cursor() as cursor:
        cursor.execute(FIRST_VISITS_SQL, params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        row["stream"] = row.pop("stream") or STREAM_OF_ANSWER.get(row.pop("heard_via"), "web")
        row.pop("heard_via", None)
    return rows


def _checkout_outcomes(practice: Practice, since: datetime, now: datetime) -> list[dict]:
    """Checkout outcomes of visits that took place from `since` to `now`, counted by the visit's
    therapist, whether the next visit was booked, and the reason it was not."""
    return list(
        CheckoutOutcome.objects.filter(
            practice=practice,
            visit__starts_at__gte=since,
            visit__starts_at__lt=now,
            visit__status__in=TOOK_PLACE,
        )
        .values("booked", "reason", therapist_id=F("visit__therapist_id"))
        .annotate(count=Count("id"))
        .order_by()
    )


def _reason_table(outcomes: list[dict], names: dict) -> dict:
    """Per therapist (and all of them): checkouts recorded, not rebooked, and not rebooked per reason."""
    reasons = [*CheckoutOutcome.Reason.choices, ("", "None recorded")]

    def blank(label):
        return {"label": label, "checkouts": 0, "not_rebooked": 0, "reasons": dict.fromkeys(dict(reasons), 0)}

    total, rows = blank("All therapists"), {}
    for outcome in outcomes:
        row = rows.setdefault(outcome["therapist_id"], blank(names[outcome["therapist_id"]]))
        for counts in (row, total):
            counts["checkouts"] += outcome["count"]
            if not outcome["booked"]:
                counts["not_rebooked"] += outcome["count"]
                counts["reasons"][outcome["reason"]] += outcome["count"]
    # A reason column only when some checkout gave it ("None recorded" included).
    used = [(value, label) for value, label in reasons if total["reasons"][value]]
    for row in (*rows.values(), total):
        row["not_rebooked_share"] = Share(row["not_rebooked"], row["checkouts"])
        row["cells"] = [row["reasons"][value] for value, _ in used]
    return {
        "columns": [label for _, label in used],
        "rows": sorted(rows.values(), key=lambda row: row["label"]),
        "total": total,
        "ranked": sorted(((label, total["reasons"][value]) for value, label in used), key=lambda pair: -pair[1]),
    }


def _names(pks) -> dict:
    """Therapist id -> "First Last"."""
    users = User.objects.filter(pk__in=pks).values_list("pk", "first_name", "last_name")
    return {pk: f"{first} {last}".strip() for pk, first, last in users}


# --- What clients told us, and notes against their wishes, per therapist ---------------------------

FEEDBACK_PARTS = (  # (question, the answer that says all was well, its heading)
    ("pressure", "just_right", "Pressure just right"),
    ("focus", "yes", "Worked on what they came for"),
    ("conversation", "just_right", "Conversation just right"),
)


@dataclass
class TherapistFeedback:
    """One therapist's feedback over the period, in total and month by month (newest first)."""

    therapist: str
    total: dict
    months: list = field(default_factory=list)


def feedback_figures(*, practice: Practice, since: date, until: date) -> list[TherapistFeedback]:
    """Clients' one-tap answers per therapist, month by month: for each question, how many of those
    who answered it said all was well, as a Share (counts below MIN_BASE), and the mean rating with
    how many rated. Only feedback actually given. One query (outreach.selectors)."""
    by_therapist: dict[int, TherapistFeedback] = {}
    for row in feedback_by_therapist(practice, since, until):
        figures = by_therapist.setdefault(row["therapist_id"], TherapistFeedback(row["therapist"], _feedback_sum()))
        month = _feedback_row(row)
        figures.months.append({"month": row["month"], **month})
        _feedback_add(figures.total, row)
    for figures in by_therapist.values():
        figures.total = _feedback_row(figures.total)
    return sorted(by_therapist.values(), key=lambda figures: figures.therapist)


def _feedback_sum() -> dict:
    return {"given": 0, "answers": {}, "answered": {}, "ratings": 0, "rating_total": 0.0}


def _feedback_add(total: dict, row: dict) -> None:
    total["given"] += row["given"]
    for question, well, _ in FEEDBACK_PARTS:
        total["answers"][question] = total["answers"].get(question, 0) + row["answers"][question][well]
        total["answered"][question] = total["answered"].get(question, 0) + row["answered"][question]
    total["ratings"] += row["ratings"]
    total["rating_total"] += (row["rating_mean"] or 0) * row["ratings"]


def _feedback_row(row: dict) -> dict:
    """A month's row of feedback_by_therapist, or a therapist's sum, as the page shows it."""
    summed = "rating_total" in row
    well = [
        Share(row["answers"][question] if summed else row["answers"][question][answer], row["answered"][question])
        for question, answer, _ in FEEDBACK_PARTS
    ]
    mean = (row["rating_total"] / row["ratings"] if row["ratings"] else None) if summed else row["rating_mean"]
    return {"given": row["given"], "well": well, "ratings": row["ratings"], "rating_mean": mean}


def wishes_figures(*, practice: Practice, since: datetime, until: datetime) -> list[dict]:
    """Signed notes that went against the client's intake, per therapist (sessions.wishes): each row
    the therapist, the notes signed, a Share of them against the wishes, and a count per kind. One
    query."""
    return [
        {**row, "against": Share(row["against"], row["signed"])}
        for row in against_wishes_by_therapist(practice=practice, since=since, until=until)
    ]
