"""The checkout screen: every option books what it shows, series are all or nothing, the outcome
is always recorded, and the page costs the same few queries however full the day."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from sessions.checkout import checkout_options
from sessions.models import Appointment, CheckoutOutcome
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, weekly_hours

MONDAY_TEN = datetime(2030, 10, 28, 10, 0)  # a week before the US clocks go back (3 Nov 2030)


@pytest.fixture
def visit(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice, name="Swedish")
        client = ClientFactory(practice=practice, first_name="Tatum", email="tatum@clients.example")
        booked = appointment_book(
            practice=practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=MONDAY_TEN.replace(tzinfo=practice.zone),
            notify=False,
        )
        yield appointment_complete(appointment=booked, interval_days=7)


def _url(visit, tail=""):
    return f"/p/{visit.practice.slug}/appointments/{visit.pk}/checkout/{tail}"


def _outcome(visit):
    with scopes_disabled():
        return CheckoutOutcome.objects.filter(visit=visit).first()


def test_same_time_next_week_keeps_the_wall_clock_across_the_dst_change(visit):
    options = checkout_options(visit)
    local = options.same_time.starts_at.astimezone(visit.practice.zone)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2030-11-04", 10, 0)
    assert options.same_time_label == "Same time next week"
    elapsed = options.same_time.starts_at.astimezone(UTC) - visit.starts_at.astimezone(UTC)
    assert elapsed == timedelta(days=7, hours=1)  # the clocks went back: one hour more in between
    for slot in options.usual_time:
        assert abs(slot.starts_at.astimezone(visit.practice.zone).hour - 10) <= 2


def test_picking_an_option_books_it_and_records_the_outcome(client_for, front_desk, visit):
    options = checkout_options(visit)
    response = client_for(front_desk).post(
        _url(visit, "book/"),
        {
            "service": options.service.pk,
            "therapist": visit.therapist_id,
            "starts_at": options.same_time.starts_at.isoformat(),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        rebooked = Appointment.objects.get(booked_at_checkout_of=visit)
    assert rebooked.starts_at == options.same_time.starts_at and rebooked.client_id == visit.client_id
    assert _outcome(visit).booked is True
    page = client_for(front_desk).get(_url(visit))
    assert b"Checkout recorded" in page.content and b"next visit booked" in page.content


def test_a_taken_option_is_answered_with_the_options_as_they_are_now(client_for, front_desk, visit):
    options = checkout_options(visit)
    with scope(practice=visit.practice):
        appointment_book(
            practice=visit.practice,
            client=ClientFactory(practice=visit.practice),
            therapist=visit.therapist,
            service=visit.service,
            starts_at=options.same_time.starts_at,
            notify=False,
        )
    response = client_for(front_desk).post(
        _url(visit, "book/"),
        {
            "service": options.service.pk,
            "therapist": visit.therapist_id,
            "starts_at": options.same_time.starts_at.isoformat(),
        },
        follow=True,
    )
    assert b"no longer free" in response.content and b"is not free with" in response.content
    assert _outcome(visit) is None


def test_a_plan_series_books_every_visit_in_one_step(client_for, front_desk, visit):
    response = client_for(front_desk).post(
        _url(visit, "series/"),
        {"kind": "plan", "count": 4, "within_days": 10, "first_day": "2030-10-29", "start": "10:00"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        days = [
            a.starts_at.astimezone(visit.practice.zone).strftime("%a %d %H:%M")
            for a in Appointment.objects.filter(booked_at_checkout_of=visit).order_by("starts_at")
        ]
    assert days == ["Tue 29 10:00", "Fri 01 10:00", "Mon 04 10:00", "Thu 07 10:00"]
    assert _outcome(visit).booked and _outcome(visit).note == "series of 4"


def test_a_series_with_a_conflict_is_refused_whole_with_the_conflict_named(client_for, front_desk, visit):
    with scope(practice=visit.practice):
        appointment_book(
            practice=visit.practice,
            client=ClientFactory(practice=visit.practice),
            therapist=visit.therapist,
            service=visit.service,
            notify=False,
            starts_at=datetime(2030, 11, 11, 10, 30).replace(tzinfo=visit.practice.zone),
        )
    response = client_for(front_desk).post(
        _url(visit, "series/"), {"kind": "weekly", "count": 6, "first_day": "2030-11-04", "start": "10:00"}
    )
    assert response.status_code == 400
    assert b"Nothing was booked" in response.content and b"Mon 11 Nov 10:00" in response.content
    with scopes_disabled():
        assert not Appointment.objects.filter(booked_at_checkout_of=visit).exists()
    assert _outcome(visit) is None


def test_not_booked_needs_a_reason_and_is_recorded(client_for, front_desk, visit):
    as_desk = client_for(front_desk)
    refused = as_desk.post(_url(visit, "not-booked/"), {"reason": ""}, follow=True)
    assert b"Choose why" in refused.content and _outcome(visit) is None
    as_desk.post(_url(visit, "not-booked/"), {"reason": "will_call", "note": "checking her shifts"})
    outcome = _outcome(visit)
    assert (outcome.booked, outcome.reason, outcome.note) == (False, "will_call", "checking her shifts")


def test_checkout_needs_a_completed_visit(client_for, front_desk, practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        booked = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=ServiceFactory(practice=practice),
            notify=False,
            starts_at=MONDAY_TEN.replace(tzinfo=practice.zone),
        )
    response = client_for(front_desk).get(_url(booked), follow=True)
    assert b"comes after the visit is completed" in response.content


def test_the_calendar_pages_cost_the_same_few_queries_however_full(client_for, front_desk, practice, therapist):
    day = datetime(2030, 12, 9)
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice, duration_minutes=30, buffer_after_minutes=0)

        def fill(count, offset):
            for n in range(count):
                starts = (day + timedelta(minutes=30 * (n + offset))).replace(tzinfo=practice.zone)
                appointment_book(
                    practice=practice,
                    client=ClientFactory(practice=practice),
                    therapist=therapist,
                    service=service,
                    starts_at=starts,
                    notify=False,
                )

    as_desk = client_for(front_desk)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert as_desk.get(url).status_code == 200
        return len(captured)

    urls = [
        f"/p/{practice.slug}/calendar/?date=2030-12-09",
        f"/p/{practice.slug}/calendar/week/?date=2030-12-09",
        f"/p/{practice.slug}/figures/",
    ]
    with scope(practice=practice):
        fill(2, 18)
    few = [queries(url) for url in urls]
    with scope(practice=practice):
        fill(12, 0)
    assert [queries(url) for url in urls] == few
