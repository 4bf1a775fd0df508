"""What the rebooking figures cost, whatever the size of the history: a fixed number of queries
(pinned here; bench/pages.py measures the time), plans without a question asked once per visit,
and months that are the practice's own, in its time zone."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from clients.tests.factories import ClientFactory
from insights.selectors import rebooked_at_checkout, rebooking_figures
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.models import Appointment, CheckoutOutcome
from sessions.tests.factories import ServiceFactory, visit_row

STATUSES = ["completed"] * 8 + ["no_show", "cancelled"]


def _history(practice, therapists, days: range, seed: int) -> None:
    """A visit a day for each therapist on each of `days` (days ago), a checkout outcome for each
    completed one, and for some of them another visit booked within a week of their end."""
    rng = random.Random(seed)
    now = timezone.now()
    with scope(practice=practice):
        service = ServiceFactory(practice=practice)
        clients = [ClientFactory(practice=practice) for _ in range(8)]
        rows = []
        for n, person in enumerate(therapists):
            for day in days:
                starts = (now - timedelta(days=day)).replace(hour=9 + 2 * n, minute=0, second=0, microsecond=0)
                status = rng.choice(STATUSES)
                rows.append(
                    visit_row(
                        practice=practice,
                        client=rng.choice(clients),
                        therapist=person,
                        service=service,
                        starts_at=starts,
                        status=status,
                        cancel_reason=rng.choice(["late", "client"]) if status == "cancelled" else "",
                    )
                )
        Appointment.objects.bulk_create(rows)
        for visit in rows:  # booked between its end and a fortnight later
            visit.created_at = visit.ends_at + timedelta(days=rng.choice([0, 3, 6, 9, 14]))
        Appointment.objects.filter(practice=practice).bulk_update(rows, ["created_at"])
        CheckoutOutcome.objects.bulk_create(
            CheckoutOutcome(practice=practice, visit=visit, booked=rng.random() < 0.6, reason="cost")
            for visit in rows
            if visit.status == "completed"
        )


@pytest.fixture
def therapists(practice, therapist):
    return [therapist, MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user]


def _queries(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
        assert response.status_code == 200
    return len(captured)


def test_the_figures_page_and_its_chart_cost_a_few_queries_however_long_the_history(
    client_for, owner, practice, therapists, django_assert_max_num_queries
):
    browser = client_for(owner)
    page, chart = f"/p/{practice.slug}/figures/", f"/p/{practice.slug}/figures/chart.svg"
    _history(practice, therapists, range(1, 30), seed=1)
    browser.get(page)  # the first page after signing in may save the session
    # Session, user and memberships (3); counts, booked within a week, therapists' names; due back.
    with django_assert_max_num_queries(7):
        assert browser.get(page).status_code == 200
    with django_assert_max_num_queries(4):  # the same 3, and the counts
        response = browser.get(chart)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    few = [_queries(browser, page), _queries(browser, chart)]
    _history(practice, therapists, range(30, 800, 2), seed=2)  # two more years, more therapists' months
    assert [_queries(browser, page), _queries(browser, chart)] == few


def _plans(call) -> list[dict]:
    with CaptureQueriesContext(connection) as captured:
        call()
    plans = []
    with connection.cursor() as cursor:
        for query in captured:
            if "therapy_sessions_appointment" in query["sql"]:
                cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
                plans.append(cursor.fetchone()[0][0]["Plan"])
    return plans


def _nodes(node) -> list[dict]:
    return [node] + [found for child in node.get("Plans", []) for found in _nodes(child)]


def test_the_figures_ask_nothing_once_per_visit(practice, therapists):
    _history(practice, therapists, range(1, 400), seed=3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE therapy_sessions_appointment; ANALYZE therapy_sessions_checkoutoutcome")
    since = timezone.localdate(timezone=practice.zone).replace(day=1) - timedelta(days=365)
    with scope(practice=practice):
        counts, within_week = _plans(lambda: rebooking_figures(practice=practice, since=since))
    for plan in (counts, within_week):
        # A subquery inside a count, or a condition PostgreSQL could not join, runs once per visit.
        assert not [node for node in _nodes(plan) if node.get("Parent Relationship") in ("SubPlan", "InitPlan")]
    # The counts: one pass over the period's visits, their checkout outcomes joined to it.
    scans = [node for node in _nodes(counts) if node.get("Relation Name") == "therapy_sessions_appointment"]
    joined = [node for node in _nodes(counts) if node.get("Join Type") in ("Left", "Right")]
    assert len(scans) == 1 and joined
    # Booked again within a week: the visits semi-joined to the client's later bookings.
    assert [node for node in _nodes(within_week) if node.get("Join Type") == "Semi"]


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Sydney", "Asia/Kolkata"])
def test_a_visit_counts_in_the_month_of_its_day_in_the_practices_time_zone(practice, therapist, zone):
    practice.time_zone = zone
    practice.save(update_fields=["time_zone"])
    today = timezone.localdate(timezone=practice.zone)
    month = (today.replace(day=1) - timedelta(days=100)).replace(day=1)  # a month that has ended
    before = (month - timedelta(days=1)).replace(day=1)
    midnight = datetime.combine(month, time.min).replace(tzinfo=practice.zone)
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, duration_minutes=30, buffer_after_minutes=0)
        for starts in (midnight - timedelta(minutes=30), midnight):
            visit = visit_row(
                practice=practice,
                client=ClientFactory(practice=practice),
                therapist=therapist,
                service=service,
                starts_at=starts,
            )
            visit.save()
            CheckoutOutcome.objects.create(practice=practice, visit=visit, booked=starts == midnight)
        rows = rebooking_figures(practice=practice, since=before)
        chart = rebooked_at_checkout(practice=practice, since=before)
        assert rebooking_figures(practice=practice, since=date(today.year + 1, 1, 1)) == []  # a period to come
    local = [datetime.combine(day, time.min).replace(tzinfo=practice.zone) for day in (month, before)]
    assert [(row["month"], row["completed"], row["at_checkout"]) for row in rows] == [
        (local[0], 1, 1),
        (local[1], 1, 0),
    ]
    assert sorted((row["month"], row["completed"], row["at_checkout"]) for row in chart) == sorted(
        (row["month"], row["completed"], row["at_checkout"]) for row in rows
    )
    assert all(row["month"].tzinfo == practice.zone and row["month"].day == 1 for row in rows)
