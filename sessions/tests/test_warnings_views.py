"""The confirm step: a booking or a move with something to look at first is not saved until the
desk says "Book anyway" / "Move anyway"; one without books at once as before. At a checkout already
recorded, booking more (a visit, a second series) is asked first too."""

import re
from datetime import datetime, timedelta

import pytest
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.models import Appointment, CheckoutOutcome
from sessions.services import appointment_book, appointment_complete, checkout_record
from sessions.tests.factories import ServiceFactory, weekly_hours

MONDAY_TEN = datetime(2030, 12, 9, 10, 0)


@pytest.fixture
def booked(practice, therapist):
    """Oakley's visit on Monday at 10:00, and a second therapist who is free all week."""
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        weekly_hours(practice, other)
        visit = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice, first_name="Oakley", last_name="Reed"),
            therapist=therapist,
            service=ServiceFactory(practice=practice, name="Deep tissue"),
            starts_at=MONDAY_TEN.replace(tzinfo=practice.zone),
            notify=False,
        )
    return visit, other


def _visits(client):
    with scopes_disabled():
        return sorted(
            a.starts_at.astimezone(client.practice.zone).strftime("%a %d %H:%M")
            for a in Appointment.objects.filter(client=client)
        )


def _confirm_value(response) -> str:
    [value] = re.findall(r'name="confirm" value="([^"]*)"', response.content.decode())
    return value


def test_a_same_day_booking_waits_for_book_anyway(client_for, front_desk, booked):
    visit, _ = booked
    url = f"/p/{visit.practice.slug}/clients/{visit.client_id}/book/slot/"
    slot = {
        "service": visit.service_id,
        "therapist": visit.therapist_id,
        "starts_at": MONDAY_TEN.replace(hour=15, tzinfo=visit.practice.zone).isoformat(),
    }
    as_desk = client_for(front_desk)
    asked = as_desk.post(url, slot)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Not booked yet: Monday 9 December, 15:00" in page and "Book anyway" in page
    assert "Oakley Reed already has a visit that day: Deep tissue Mon 9 Dec 10:00–11:00" in page
    assert 'id="slots"' in page  # the times of that day are offered below, to choose another
    assert _visits(visit.client) == ["Mon 09 10:00"]

    stale = as_desk.post(url, {**slot, "confirm": "0123456789ab"})  # a confirmation of something else
    assert stale.status_code == 200 and _visits(visit.client) == ["Mon 09 10:00"]

    done = as_desk.post(url, {**slot, "confirm": _confirm_value(asked)})
    assert done.status_code == 302
    assert _visits(visit.client) == ["Mon 09 10:00", "Mon 09 15:00"]


def test_a_booking_with_nothing_to_warn_about_books_at_once(client_for, front_desk, booked):
    visit, _ = booked
    response = client_for(front_desk).post(
        f"/p/{visit.practice.slug}/clients/{visit.client_id}/book/slot/",
        {
            "service": visit.service_id,
            "therapist": visit.therapist_id,
            "starts_at": (MONDAY_TEN + timedelta(days=7)).replace(tzinfo=visit.practice.zone).isoformat(),
        },
    )
    assert response.status_code == 302
    assert _visits(visit.client) == ["Mon 09 10:00", "Mon 16 10:00"]


def test_a_taken_time_is_still_refused_after_book_anyway(client_for, front_desk, booked):
    visit, other = booked
    with scope(practice=visit.practice):  # another client has the other therapist at 15:00
        appointment_book(
            practice=visit.practice,
            client=ClientFactory(practice=visit.practice),
            therapist=other,
            service=visit.service,
            starts_at=MONDAY_TEN.replace(hour=15, tzinfo=visit.practice.zone),
            notify=False,
        )
    url = f"/p/{visit.practice.slug}/clients/{visit.client_id}/book/slot/"
    slot = {
        "service": visit.service_id,
        "therapist": other.pk,
        "starts_at": MONDAY_TEN.replace(hour=15, tzinfo=visit.practice.zone).isoformat(),
    }
    as_desk = client_for(front_desk)
    asked = as_desk.post(url, slot)
    lost = as_desk.post(url, {**slot, "confirm": _confirm_value(asked)})
    assert lost.status_code == 409 and b"no longer free" in lost.content
    assert _visits(visit.client) == ["Mon 09 10:00"]


def test_a_move_next_to_another_visit_waits_for_move_anyway(client_for, front_desk, booked):
    visit, other = booked
    with scope(practice=visit.practice):
        appointment_book(
            practice=visit.practice,
            client=visit.client,
            therapist=other,
            service=visit.service,
            starts_at=(MONDAY_TEN + timedelta(days=1)).replace(tzinfo=visit.practice.zone),
            notify=False,
        )
    url = f"/p/{visit.practice.slug}/appointments/{visit.pk}/move/"
    to_tuesday = {"day": "2030-12-10", "start": "14:00", "therapist": visit.therapist_id}
    as_desk = client_for(front_desk)
    asked = as_desk.post(url, to_tuesday)
    assert asked.status_code == 200
    assert b"Not moved yet: Tuesday 10 December, 14:00" in asked.content and b"Move anyway" in asked.content
    assert _visits(visit.client) == ["Mon 09 10:00", "Tue 10 10:00"]

    moved = as_desk.post(url, {**to_tuesday, "confirm": _confirm_value(asked)})
    assert moved.status_code == 302
    assert _visits(visit.client) == ["Tue 10 10:00", "Tue 10 14:00"]

    # Within its own day the visit is no neighbour of itself: moved at once.
    again = as_desk.post(url, {**to_tuesday, "start": "16:00"})
    assert again.status_code == 200 and b"Move anyway" in again.content  # still beside the 10:00 one
    alone = as_desk.post(url, {"day": "2030-12-12", "start": "16:00", "therapist": visit.therapist_id})
    assert alone.status_code == 302
    assert _visits(visit.client) == ["Thu 12 16:00", "Tue 10 10:00"]


# --- A checkout already recorded ----------------------------------------------------------------


@pytest.fixture
def checked_out(booked):
    visit, _ = booked
    with scope(practice=visit.practice):
        return appointment_complete(appointment=visit, interval_days=3)


def _series(first_day="2030-12-10"):
    return {"kind": "plan", "count": 4, "within_days": 10, "first_day": first_day, "start": "10:00"}


def _rebooked(visit):
    with scopes_disabled():
        return Appointment.objects.filter(booked_at_checkout_of=visit).count()


def test_a_second_series_is_not_booked_without_confirmation(client_for, front_desk, checked_out):
    visit = checked_out
    url = f"/p/{visit.practice.slug}/appointments/{visit.pk}/checkout/"
    as_desk = client_for(front_desk)
    assert as_desk.post(url + "series/", _series()).status_code == 302
    assert _rebooked(visit) == 4

    shown = as_desk.get(url).content.decode()
    assert "4 visits booked: Tue 10 Dec 10:00, Fri 13 Dec 10:00, Mon 16 Dec 10:00, Thu 19 Dec 10:00." in shown
    assert f"by {front_desk.get_full_name() or front_desk.email}" in shown

    asked = as_desk.post(url + "series/", _series("2030-12-23"))
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "this series adds 4 more visits" in page and "Book 4 more anyway" in page
    assert 'value="2030-12-23"' in page  # the series as it was typed, ready to confirm
    assert _rebooked(visit) == 4

    assert as_desk.post(url + "series/", {**_series("2030-12-23"), "confirm": "more"}).status_code == 302
    assert _rebooked(visit) == 8


def test_booking_after_not_booked_shows_the_reason_and_asks_first(client_for, front_desk, checked_out):
    visit = checked_out
    with scope(practice=visit.practice):
        checkout_record(visit=visit, booked=False, reason="will_call", note="checking her shifts")
    url = f"/p/{visit.practice.slug}/appointments/{visit.pk}/checkout/"
    slot = {
        "service": visit.service_id,
        "therapist": visit.therapist_id,
        "starts_at": (MONDAY_TEN + timedelta(days=3)).replace(tzinfo=visit.practice.zone).isoformat(),
    }
    as_desk = client_for(front_desk)
    asked = as_desk.post(url + "book/", slot)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "not booked (will call to book): checking her shifts." in page
    assert "Not booked yet: Thursday 12 December, 10:00" in page and "Book anyway" in page
    assert _rebooked(visit) == 0

    assert as_desk.post(url + "book/", {**slot, "confirm": "more"}).status_code == 302
    assert _rebooked(visit) == 1
    with scopes_disabled():
        assert CheckoutOutcome.objects.get(visit=visit).booked


def test_a_checkout_option_on_a_day_the_client_already_comes_asks_first(client_for, front_desk, checked_out):
    visit = checked_out
    thursday = (MONDAY_TEN + timedelta(days=3)).replace(tzinfo=visit.practice.zone)
    with scope(practice=visit.practice):  # booked by phone earlier, not at this checkout
        appointment_book(
            practice=visit.practice,
            client=visit.client,
            therapist=visit.therapist,
            service=visit.service,
            starts_at=thursday.replace(hour=15),
            notify=False,
        )
    url = f"/p/{visit.practice.slug}/appointments/{visit.pk}/checkout/book/"
    slot = {"service": visit.service_id, "therapist": visit.therapist_id, "starts_at": thursday.isoformat()}
    as_desk = client_for(front_desk)
    asked = as_desk.post(url, slot)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Oakley Reed already has a visit that day: Deep tissue Thu 12 Dec 15:00–16:00" in page
    assert "already recorded" not in page and _rebooked(visit) == 0
    assert as_desk.post(url, {**slot, "confirm": _confirm_value(asked)}).status_code == 302
    assert _rebooked(visit) == 1
