"""Reads for the practice's figures: rebooking, no-shows and late cancels per therapist and month;
new clients per month by where they came from. Call inside the practice's scope."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.models import Client
from practice.models import Practice
from referrals.models import Referral
from sessions.models import Appointment


def rebooking_figures(*, practice: Practice, since: date) -> list[dict]:
    """Per month and therapist: completed visits, the share rebooked at checkout, the share with
    another visit booked within 7 days, and the no-show and late-cancel rates. One grouped query
    per kind of figure: a condition on other rows inside a count is asked once per visit, while
    in a WHERE clause PostgreSQL joins it (rebooked at checkout) or semi-joins it (within a week)."""
    first = datetime.combine(since, time.min).replace(tzinfo=practice.zone)
    visits = Appointment.objects.filter(  # visits that have taken place (or should have)
        practice=practice, starts_at__gte=first, starts_at__lt=timezone.now()
    )
    completed = visits.filter(status=Appointment.Status.COMPLETED)
    # Bounds implied by the conditions after them (another visit starts after one since `first`,
    # and was booked after that one ended); said outright, they keep older history out of the join.
    booked_within_week = (
        Appointment.objects.filter(practice=practice, starts_at__gt=first, created_at__gt=first)
        .filter(
            client=OuterRef("client"),
            created_at__gte=OuterRef("ends_at"),
            created_at__lt=OuterRef("ends_at") + timedelta(days=7),
            starts_at__gt=OuterRef("starts_at"),
        )
        .exclude(status=Appointment.Status.CANCELLED)
    )
    at_checkout = _per_month_and_therapist(practice, completed.filter(checkout__booked=True))
    within_week = _per_month_and_therapist(practice, completed.filter(Exists(booked_within_week)))
    rows = (
        _monthly(practice, visits)
        .values("month", "therapist_id", "therapist__first_name", "therapist__last_name")
        .annotate(
            completed=Count("id", filter=Q(status=Appointment.Status.COMPLETED)),
            no_shows=Count("id", filter=Q(status=Appointment.Status.NO_SHOW)),
            late=Count("id", filter=Q(status=Appointment.Status.CANCELLED, cancel_reason="late")),
            scheduled=Count("id", filter=~Q(status=Appointment.Status.CANCELLED) | Q(cancel_reason="late")),
        )
        .order_by("-month", "therapist__first_name")
    )
    figures = []
    for row in rows:
        key = (row["month"], row["therapist_id"])
        row = {**row, "at_checkout": at_checkout.get(key, 0), "within_week": within_week.get(key, 0)}
        figures.append({**row, **_rates(row)})
    return figures


def _monthly(practice, visits):
    return visits.annotate(month=TruncMonth("starts_at", tzinfo=practice.zone))


def _per_month_and_therapist(practice, visits) -> dict:
    rows = _monthly(practice, visits).values("month", "therapist_id").annotate(count=Count("id")).order_by()
    return {(row["month"], row["therapist_id"]): row["count"] for row in rows}


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
