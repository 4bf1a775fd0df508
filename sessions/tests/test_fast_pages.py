"""The screens a practice uses all day cost a small, fixed number of queries (pinned here; the
time they take is measured by bench/pages.py, not by tests), and the queries that search a span
of time are served by an index range scan on a table whose statistics say it is large."""

import random
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory, PracticeFactory
from sessions import services
from sessions.availability import open_slots
from sessions.grid import day_by_therapist
from sessions.models import Appointment
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, visit_row, weekly_hours

DAY = datetime(2030, 12, 9)  # a Monday


@pytest.fixture
def full_day(practice, therapist, owner, front_desk):
    """Two therapists with a full Monday, and a completed visit on the Friday before it."""
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, duration_minutes=45, buffer_after_minutes=15)
        for person in (therapist, other):
            weekly_hours(practice, person)
            for hour in (9, 10, 11, 14, 15, 16):
                appointment_book(
                    practice=practice,
                    client=ClientFactory(practice=practice, alerts="Latex allergy" if hour == 9 else ""),
                    therapist=person,
                    service=service,
                    starts_at=DAY.replace(hour=hour, tzinfo=practice.zone),
                    notify=False,
                )
        friday = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=service,
            starts_at=(DAY - timedelta(days=3)).replace(hour=10, tzinfo=practice.zone),
            notify=False,
        )
        visit = appointment_complete(appointment=friday, interval_days=7)
    return {"visit": visit, "service": service, "therapist": therapist, "other": other}


def _pages(practice, full_day):
    base, visit = f"/p/{practice.slug}", full_day["visit"]
    slots = f"service={full_day['service'].pk}&therapist={full_day['therapist'].pk}&day=2030-12-09"
    return {
        "day calendar": (f"{base}/calendar/?date=2030-12-09", {}),
        "week view": (f"{base}/calendar/week/?date=2030-12-09", {}),
        "checkout": (f"{base}/appointments/{visit.pk}/checkout/", {}),
        "slot list": (f"{base}/clients/{visit.client_id}/book/?{slots}", {"HX-Request": "true"}),
        "brief": (f"{base}/clients/{visit.client_id}/brief/", {}),
        "figures": (f"{base}/figures/", {}),
    }


# What each page costs: session, user and memberships (3), then the page's own reads.
PINNED = [
    # People with their hours and time off; services and rooms; the day's visits with their clients.
    ("front_desk", "day calendar", 6),
    ("front_desk", "week view", 6),  # the same three reads for one person's week
    ("front_desk", "checkout", 8),
    ("owner", "checkout", 8),
    ("front_desk", "slot list", 8),
    ("therapist", "brief", 9),  # client, intakes, last note, last feedback, the visit whose note it offers, audit
    ("owner", "figures", 7),  # three grouped queries of figures, and the due-back list
]


@pytest.mark.parametrize(("persona", "page", "most"), PINNED, ids=[f"{p}-{n}" for p, n, _ in PINNED])
def test_a_page_costs_its_pinned_queries(
    client_for, personas, practice, full_day, django_assert_max_num_queries, persona, page, most
):
    url, headers = _pages(practice, full_day)[page]
    browser = client_for(personas[persona])
    browser.get(url, headers=headers)  # the first page after signing in may save the session
    with django_assert_max_num_queries(most):
        assert browser.get(url, headers=headers).status_code == 200


def test_the_day_calendar_shows_every_visit_with_its_alert_and_link(client_for, front_desk, practice, full_day):
    page = client_for(front_desk).get(f"/p/{practice.slug}/calendar/?date=2030-12-09").content.decode()
    assert page.count('class="appt booked row-') == 12
    assert page.count('title="Latex allergy" aria-label="Alert: Latex allergy">⚠</span>') == 2
    with scope(practice=practice):
        first = Appointment.objects.filter(therapist=full_day["therapist"], starts_at__date=DAY.date()).first()
    assert f'href="/p/{practice.slug}/appointments/{first.pk}/"' in page


def test_the_next_ten_slots_of_everyone_over_sixty_days_cost_three_queries(
    practice, full_day, django_assert_max_num_queries
):
    with scope(practice=practice), django_assert_max_num_queries(3):  # people, hours and rooms, busy times
        slots = open_slots(
            practice=practice,
            service=full_day["service"],
            start=DAY.date(),
            end=DAY.date() + timedelta(days=59),
            limit=10,
            not_before=DAY.replace(tzinfo=practice.zone),
        )
    assert len(slots) == 10


# --- Plans ---------------------------------------------------------------------------------------


@pytest.fixture
def large_history(practice, therapist):
    """4,000 visits over two years for two therapists, beside 20 small practices with a service
    each, analysed: enough for the planner to prefer an index wherever one serves."""
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    rng = random.Random(3)
    with scope(practice=practice):
        service = ServiceFactory(practice=practice)
        clients = [ClientFactory(practice=practice) for _ in range(20)]
        visits = [
            _visit(practice, rng.choice(clients), person, service, DAY - timedelta(days=day), hour)
            for day in range(400)
            for person in (therapist, other)
            for hour in (9, 11, 13, 15, 17)
        ]
        Appointment.objects.bulk_create(visits, batch_size=2000)
    for n in range(20):
        small = PracticeFactory(slug=f"small-{n}")
        with scope(practice=small):
            person = MembershipFactory(practice=small, role=Membership.Role.THERAPIST).user
            small_service = ServiceFactory(practice=small)
            client = ClientFactory(practice=small)
            Appointment.objects.bulk_create(
                _visit(small, client, person, small_service, DAY - timedelta(days=day), 9) for day in range(10)
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE therapy_sessions_appointment")
    return {"therapist": therapist, "service": service}


def _visit(practice, client, therapist, service, day, hour):
    starts_at = datetime.combine(day.date(), time(hour)).replace(tzinfo=practice.zone)
    return visit_row(practice=practice, client=client, therapist=therapist, service=service, starts_at=starts_at)


def _appointment_scans(call) -> list[dict]:
    """Each node of the plans of the statements `call` runs that reads the appointment table or
    one of its indexes (EXPLAIN's own words: Node Type, Index Name, Index Cond)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    scans = []
    with connection.cursor() as cursor:
        for query in captured:
            if "therapy_sessions_appointment" in query["sql"]:
                cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
                scans += _nodes(cursor.fetchone()[0][0]["Plan"])
    return scans


def _nodes(node) -> list[dict]:
    here = [node] if "appointment" in node.get("Relation Name", node.get("Index Name", "")) else []
    # A bitmap heap scan reads the rows its bitmap index scan (the node naming the index) found.
    here = [n for n in here if n["Node Type"] != "Bitmap Heap Scan"]
    return here + [found for child in node.get("Plans", []) for found in _nodes(child)]


def _range_scans(scans: list[dict], indexes: list[str]) -> bool:
    """Every read is an index scan bounded on both sides in time: `starts_at > …` and `starts_at <
    …` in the index condition (without the lower bound it reads every visit before the window)."""
    return bool(scans) and all(
        scan.get("Index Name") in indexes
        and "starts_at >" in scan.get("Index Cond", "")
        and "starts_at <" in scan.get("Index Cond", "")
        for scan in scans
    )


def test_time_span_queries_range_scan_their_index(practice, large_history):
    therapist, service = large_history["therapist"], large_history["service"]
    week_ago = DAY - timedelta(days=7)
    with scope(practice=practice):
        calendar = _appointment_scans(lambda: day_by_therapist(practice=practice, day=week_ago.date()))
        availability = _appointment_scans(
            lambda: open_slots(
                practice=practice,
                service=service,
                therapist_id=therapist.pk,
                start=week_ago.date(),
                end=week_ago.date() + timedelta(days=6),
                not_before=week_ago.replace(tzinfo=practice.zone),
            )
        )
        starts = week_ago.replace(hour=9, tzinfo=practice.zone)
        clash = _appointment_scans(
            lambda: services._clash(
                practice=practice,
                therapist_id=therapist.pk,
                starts_at=starts,
                blocked_until=starts + timedelta(hours=1),
            )
        )
    # Each index named here ends in starts_at, after the columns the query fixes; which one the
    # planner takes for one therapist's week depends on its statistics, and either is a range scan.
    for scans in (calendar, availability, clash):
        assert _range_scans(scans, TIME_INDEXES), _said(scans)


def _said(scans) -> list:
    return [(scan["Node Type"], scan.get("Index Name"), scan.get("Index Cond")) for scan in scans]


TIME_INDEXES = ["appointment_practice_start", "appointment_therapist_start", "appointment_client_start"]
