"""Booking races on PostgreSQL: two desks at the same instant both win when they can (two therapists,
two rooms), a deadlock between bookings is retried and never becomes an error page, every refusal
says what is true, and the desk that lost a time sees the free times nearest to it."""

import re
import threading
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django_scopes import scope, scopes_disabled
from psycopg2.errors import DeadlockDetected

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions import services
from sessions.models import Appointment, Room, WorkingHours
from sessions.services import SeriesConflict, SlotTaken, appointment_book, appointment_book_series
from sessions.tests.factories import ServiceFactory, weekly_hours
from sessions.tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)  # each desk is its own connection and transaction

MONDAY = datetime(2031, 3, 3)  # a Monday, far enough ahead to be bookable


@pytest.fixture
def desk(practice, therapist):
    second = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        for person in (therapist, second):
            weekly_hours(practice, person)
        rooms = [Room.objects.create(practice=practice, name=name) for name in ("Cedar", "Willow")]
        return {
            "practice": practice,
            "therapists": (therapist, second),
            "rooms": rooms,
            "service": ServiceFactory(practice=practice, duration_minutes=60, buffer_after_minutes=0),
            "clients": ClientFactory.create_batch(2, practice=practice),
        }


def _booker(desk, therapist, client, starts_at):
    def book():
        with scope(practice=desk["practice"]):
            return appointment_book(
                practice=desk["practice"],
                client=client,
                therapist=therapist,
                service=desk["service"],
                starts_at=starts_at,
            )

    return book


def test_two_desks_two_therapists_two_rooms_at_the_same_instant_both_book(desk):
    zone = desk["practice"].zone
    for round_number in range(8):
        starts_at = (MONDAY + timedelta(days=round_number, hours=10)).replace(tzinfo=zone)
        outcomes = race(
            [_booker(desk, t, c, starts_at) for t, c in zip(desk["therapists"], desk["clients"], strict=True)]
        )
        assert all(isinstance(outcome, Appointment) for outcome in outcomes), [str(o) for o in outcomes]
        assert {outcome.room_id for outcome in outcomes} == {room.pk for room in desk["rooms"]}


def test_a_third_booking_when_both_rooms_are_taken_says_so_not_that_the_therapist_is(desk):
    practice, zone = desk["practice"], desk["practice"].zone
    starts_at = (MONDAY + timedelta(hours=11)).replace(tzinfo=zone)
    for therapist, client in zip(desk["therapists"], desk["clients"], strict=True):
        _booker(desk, therapist, client, starts_at)()
    third = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        weekly_hours(practice, third)
    with pytest.raises(SlotTaken) as refused:
        _booker(desk, third, desk["clients"][0], starts_at)()
    assert str(refused.value).startswith("Every room is taken at Mon 3 Mar, 11:00")
    nearest = [slot.starts_at for slot in refused.value.alternatives]
    assert nearest and starts_at not in nearest and all(abs(t - starts_at) <= timedelta(hours=3) for t in nearest)


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_two_series_that_deadlock_end_with_one_booked_and_a_clear_answer_for_the_other(desk, monkeypatch):
    """Each series holds its first time and then wants the other's: PostgreSQL kills one of them
    with a deadlock error. The loser is retried and refused as a conflict, never an error."""
    therapist, service, practice = desk["therapists"][0], desk["service"], desk["practice"]
    monday, tuesday = ((MONDAY + timedelta(days=d, hours=14)).replace(tzinfo=practice.zone) for d in (0, 1))
    both_hold_their_first = threading.Barrier(2)
    first_insert = threading.local()
    real_notify = services.notifications.notify_booked

    def notify_then_wait(appointment, **kwargs):
        real_notify(appointment, **kwargs)
        if not getattr(first_insert, "done", False):  # each desk's first time is in: wait for the other
            first_insert.done = True
            both_hold_their_first.wait(timeout=10)

    monkeypatch.setattr(services.notifications, "notify_booked", notify_then_wait)
    before = _deadlocks()

    def series(client, starts):
        def book():
            with scope(practice=practice):
                return appointment_book_series(
                    practice=practice, client=client, therapist=therapist, service=service, starts=starts
                )

        return book

    outcomes = race([series(desk["clients"][0], [monday, tuesday]), series(desk["clients"][1], [tuesday, monday])])
    booked = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if isinstance(o, SeriesConflict)]
    assert len(booked) == 1 and len(refused) == 1, outcomes
    assert _deadlocks() > before  # the deadlock did happen, and was answered
    with scopes_disabled():
        assert Appointment.objects.filter(therapist=therapist).count() == 2


def _deadlocking(times: list[int]):
    """Appointment inserts that fail with a deadlock the first `times[0]` times."""
    real_create = Appointment.objects.__class__.create

    def create(manager, **fields):
        if times[0] > 0:
            times[0] -= 1
            try:
                raise DeadlockDetected("deadlock detected")
            except DeadlockDetected as cause:
                raise OperationalError("deadlock detected") from cause
        return real_create(manager, **fields)

    return create


def test_a_deadlocked_booking_is_retried_and_booked(desk, monkeypatch):
    monkeypatch.setattr(Appointment.objects.__class__, "create", _deadlocking([2]))
    starts_at = (MONDAY + timedelta(hours=15)).replace(tzinfo=desk["practice"].zone)
    booked = _booker(desk, desk["therapists"][0], desk["clients"][0], starts_at)()
    assert booked.pk and booked.starts_at == starts_at


def test_a_booking_that_keeps_deadlocking_gets_an_honest_answer_over_http(client_for, front_desk, desk, monkeypatch):
    browser = client_for(front_desk)  # signed in first: every tenant model's create deadlocks from here
    monkeypatch.setattr(Appointment.objects.__class__, "create", _deadlocking([100]))
    practice, client = desk["practice"], desk["clients"][0]
    starts_at = (MONDAY + timedelta(hours=15)).replace(tzinfo=practice.zone)
    page = browser.post(
        f"/p/{practice.slug}/clients/{client.pk}/book/slot/",
        {"service": desk["service"].pk, "therapist": desk["therapists"][0].pk, "starts_at": starts_at.isoformat()},
    )
    assert page.status_code == 409
    text = page.content.decode()
    assert "was being saved at the same moment" in text and "The nearest free times" in text
    assert "no longer free" not in text  # nobody has that time: saying so would be untrue


def test_the_desk_that_lost_a_time_weeks_ahead_sees_the_free_times_nearest_to_it(client_for, front_desk, desk):
    practice, therapist, service = desk["practice"], desk["therapists"][0], desk["service"]
    starts_at = (MONDAY + timedelta(hours=10)).replace(tzinfo=practice.zone)
    _booker(desk, therapist, desk["clients"][1], starts_at)()  # the other desk was quicker
    page = client_for(front_desk).post(
        f"/p/{practice.slug}/clients/{desk['clients'][0].pk}/book/slot/",
        {"service": service.pk, "therapist": therapist.pk, "starts_at": starts_at.isoformat()},
    )
    assert page.status_code == 409
    assert "Mon 3 Mar, 10:00 is no longer free with this therapist." in page.content.decode()
    nearest = page.context["lost"].alternatives
    assert nearest and all(
        starts_at.date() <= s.starts_at.date() <= starts_at.date() + timedelta(days=1) for s in nearest
    )
    assert page.context["form"].cleaned_data["day"] == starts_at.date()  # the week shown starts there too


def _slot_button_fields(html: str, starts_at) -> dict:
    """The hidden fields of the slot button for `starts_at`, as the browser would post them."""
    button = next(form for form in html.split("<form ")[1:] if f'value="{starts_at.isoformat()}"' in form)
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', button.split("</form>")[0]))


def test_the_desk_that_lost_a_time_sees_the_search_it_chose_again(client_for, front_desk, desk):
    practice, service = desk["practice"], desk["service"]
    browser, client = client_for(front_desk), desk["clients"][0]
    chosen_day = MONDAY.date() - timedelta(days=2)  # from the Saturday before, with anyone
    with scope(practice=practice):  # nobody works at weekends: the first times offered are Monday's
        WorkingHours.objects.filter(practice=practice, weekday__in=[5, 6]).delete()
    search = {"service": service.pk, "therapist": "", "day": chosen_day.isoformat()}
    page = browser.get(f"/p/{practice.slug}/clients/{client.pk}/book/", search)
    starts_at = (MONDAY + timedelta(hours=10)).replace(tzinfo=practice.zone)
    fields = _slot_button_fields(page.content.decode(), starts_at)
    offered = next(person for person in desk["therapists"] if str(person.pk) == fields["therapist"])
    _booker(desk, offered, desk["clients"][1], starts_at)()  # the other desk was quicker
    page = browser.post(f"/p/{practice.slug}/clients/{client.pk}/book/slot/", fields)
    assert page.status_code == 409
    assert "is no longer free" in page.content.decode()
    form = page.context["form"]
    assert form.cleaned_data["day"] == chosen_day and form.cleaned_data["service"] == service
    assert form.cleaned_data["therapist"] is None  # still "Anyone"
    html = page.content.decode()
    assert f'value="{chosen_day.isoformat()}"' in html and '<option value="" selected>Anyone</option>' in html
    # A slot that cannot be read sends the desk back to the same search, with the reason.
    fields["starts_at"] = "not a time"
    page = browser.post(f"/p/{practice.slug}/clients/{client.pk}/book/slot/", fields, follow=True)
    assert "could not be read" in page.content.decode()
    assert page.context["form"].cleaned_data["day"] == chosen_day
