"""Booking: clear answers for taken times, exactly one winner when desks race, series all or
nothing, confirmations, updates and cancellations with the same calendar UID, reminders."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from outbox.models import OutboxMessage
from sessions.models import Appointment
from sessions.services import (
    SeriesConflict,
    SlotTaken,
    appointment_book,
    appointment_book_series,
    appointment_cancel,
    appointment_move,
)
from sessions.tests.factories import ServiceFactory, weekly_hours
from sessions.tests.races import race

TEN = datetime(2030, 12, 9, 10, 0)  # a Monday, comfortably in the future


@pytest.fixture
def booking(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        yield {
            "practice": practice,
            "therapist": therapist,
            "service": ServiceFactory(practice=practice, name="Deep tissue"),
            "client": ClientFactory(practice=practice, first_name="Oakley", email="oakley@clients.example"),
        }


def _at(practice, local: datetime):
    return local.replace(tzinfo=practice.zone)


def _book(booking, local=TEN, **overrides):
    args = {
        "practice": booking["practice"],
        "client": booking["client"],
        "therapist": booking["therapist"],
        "service": booking["service"],
        "starts_at": _at(booking["practice"], local),
        **overrides,
    }
    return appointment_book(**args)


def _messages(kind):
    with scopes_disabled():
        return list(OutboxMessage.objects.filter(kind=kind).order_by("created_at"))


def _calendar(message):
    [attachment] = message.context["attachments"]
    assert attachment["mimetype"] == "text/calendar"
    return icalendar.Calendar.from_ical(attachment["content"])


def test_a_booking_queues_a_confirmation_with_a_calendar_file_and_a_reminder(booking):
    appointment = _book(booking)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)
    assert appointment.blocked_until - appointment.ends_at == timedelta(minutes=15)
    [confirmation] = _messages("appointment_confirmation")
    calendar = _calendar(confirmation)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@rebook" and event["SEQUENCE"] == 0
    # RFC 5546: a REQUEST names its organizer and attendees.
    practice = booking["practice"]
    assert str(event["ORGANIZER"]) == f"mailto:{practice.email}" and event["ORGANIZER"].params["CN"] == practice.name
    assert str(event["ATTENDEE"]) == f"mailto:{appointment.client.email}"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "America/New_York" and (start.hour, start.minute) == (10, 0)
    assert start.astimezone(UTC) == appointment.starts_at.astimezone(UTC)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "America/New_York"
    [reminder] = _messages("appointment_reminder")
    assert reminder.due_at == appointment.starts_at - timedelta(hours=24) and reminder.purpose == "reminders"


def test_a_taken_time_is_refused_with_the_next_free_slots(booking):
    _book(booking)
    with pytest.raises(SlotTaken) as refused:
        _book(booking, TEN + timedelta(minutes=30), client=ClientFactory(practice=booking["practice"]))
    assert "no longer free" in str(refused.value)
    alternatives = refused.value.alternatives
    assert alternatives and all(slot.therapist_id == booking["therapist"].pk for slot in alternatives)
    assert alternatives[0].starts_at >= _at(booking["practice"], TEN) + timedelta(minutes=75)


def test_moving_sends_an_update_with_the_same_uid_and_moves_the_reminder(booking):
    appointment = _book(booking)
    appointment_move(appointment=appointment, starts_at=_at(booking["practice"], TEN + timedelta(hours=4)))
    [update] = _messages("appointment_update")
    [event] = _calendar(update).walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@rebook" and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART").hour == 14
    reminders = _messages("appointment_reminder")
    assert [r.status for r in reminders] == ["cancelled", "scheduled"]
    assert reminders[1].due_at == appointment.starts_at - timedelta(hours=24)


def test_cancelling_sends_a_cancellation_and_frees_the_time(booking):
    appointment = _book(booking)
    appointment_cancel(appointment=appointment, reason="client")
    [cancellation] = _messages("appointment_cancellation")
    calendar = _calendar(cancellation)
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@rebook" and event["STATUS"] == "CANCELLED"
    assert "ORGANIZER" in event and "ATTENDEE" in event  # a CANCEL needs both too
    assert [r.status for r in _messages("appointment_reminder")] == ["cancelled"]
    _book(booking, client=ClientFactory(practice=booking["practice"]))  # the time is free again


def test_a_no_show_sends_nothing(booking):
    appointment = _book(booking)
    appointment_cancel(appointment=appointment, reason="no_show")
    assert appointment.status == Appointment.Status.NO_SHOW and _messages("appointment_cancellation") == []


def test_a_series_with_a_conflict_is_refused_whole_naming_it(booking):
    other = ClientFactory(practice=booking["practice"])
    _book(booking, TEN + timedelta(days=2), client=other)
    times = [_at(booking["practice"], TEN + timedelta(days=n)) for n in range(0, 8, 2)]
    with pytest.raises(SeriesConflict) as refused:
        appointment_book_series(
            practice=booking["practice"],
            client=booking["client"],
            therapist=booking["therapist"],
            service=booking["service"],
            starts=times,
        )
    assert refused.value.conflicts == [times[1]] and "Wed 11 Dec 10:00" in str(refused.value)
    assert Appointment.objects.filter(client=booking["client"]).count() == 0
    booked = appointment_book_series(
        practice=booking["practice"],
        client=booking["client"],
        therapist=booking["therapist"],
        service=booking["service"],
        starts=[t + timedelta(hours=4) for t in times],
    )
    assert len(booked) == 4


@pytest.mark.django_db(transaction=True)
def test_many_desks_booking_the_same_slot_one_wins(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice)
        clients = ClientFactory.create_batch(8, practice=practice)

    def attempt(client):
        def book():
            with scope(practice=practice):
                return appointment_book(
                    practice=practice, client=client, therapist=therapist, service=service, starts_at=_at(practice, TEN)
                )

        return book

    outcomes = race([attempt(client) for client in clients])
    winners = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(winners) == 1 and len(refused) == 7
    assert all("no longer free" in str(r) for r in refused), [str(r) for r in refused]
    with scopes_disabled():
        assert Appointment.objects.filter(therapist=therapist).count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_series_race_one_wins_whole(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice)
        first, second = ClientFactory.create_batch(2, practice=practice)
    weekly = [_at(practice, TEN + timedelta(days=7 * n)) for n in range(4)]
    shifted = [t + timedelta(minutes=30) for t in weekly]

    def series(client, starts):
        def book():
            with scope(practice=practice):
                return appointment_book_series(
                    practice=practice, client=client, therapist=therapist, service=service, starts=starts
                )

        return book

    outcomes = race([series(first, weekly), series(second, shifted)])
    assert sorted(type(o).__name__ for o in outcomes) == ["SeriesConflict", "list"]
    with scopes_disabled():
        counts = sorted(Appointment.objects.filter(client=c).count() for c in (first, second))
    assert counts == [0, 4]
