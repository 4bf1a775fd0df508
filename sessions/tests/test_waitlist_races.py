"""Waiting clients claiming a freed time at the same instant, each in their own thread, connection
and transaction: the booking service's constraint picks one winner, the other is told the time is
taken and stays on the list; one client's two offers claimed at once book one visit."""

from datetime import datetime, time, timedelta

import pytest
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from sessions import waitlist
from sessions.models import Appointment, WaitlistEntry, WaitlistOffer
from sessions.services import SlotTaken, appointment_book, appointment_cancel
from sessions.tests.factories import ServiceFactory
from sessions.tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)  # each client is its own connection and transaction

DAY = datetime(2031, 3, 5)


def _claimer(practice, offer):
    """Claim the offer as the public page would; returns the visit, or 'taken' for the loser however
    it learns it (the constraint, or the winner's mark on its offer)."""

    def claim():
        with scope(practice=practice):
            fresh = WaitlistOffer.objects.select_related("practice", "client", "entry", "therapist", "service").get(
                practice=practice, pk=offer.pk
            )
            try:
                return waitlist.waitlist_offer_claim(offer=fresh)
            except waitlist.OfferClosed as closed:
                return closed.state
            except SlotTaken:
                return waitlist.TAKEN

    return claim


def _freed_slot(practice, therapist, service, starts_at, entries):
    """Book and cancel a visit at `starts_at`: the entries' clients are offered it."""
    with scope(practice=practice):
        visit = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            notify=False,
        )
        appointment_cancel(appointment=visit, reason="client")
        return [WaitlistOffer.objects.get(practice=practice, entry=entry, starts_at=starts_at) for entry in entries]


def _entries(practice, service, count):
    with scope(practice=practice):
        return [
            WaitlistEntry.objects.create(
                practice=practice, client=ClientFactory(practice=practice), service=service, until=DAY.date()
            )
            for _ in range(count)
        ]


def test_two_clients_claiming_one_freed_time_at_once_one_books_the_other_is_told_taken(practice, therapist):
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, duration_minutes=60, buffer_after_minutes=0)
    for round_number in range(4):
        starts_at = datetime.combine(DAY.date(), time(9 + 2 * round_number)).replace(tzinfo=practice.zone)
        entries = _entries(practice, service, 2)
        offers = _freed_slot(practice, therapist, service, starts_at, entries)

        outcomes = race([_claimer(practice, offer) for offer in offers])

        booked = [outcome for outcome in outcomes if isinstance(outcome, Appointment)]
        assert len(booked) == 1 and outcomes.count(waitlist.TAKEN) == 1, outcomes
        with scopes_disabled():
            assert Appointment.objects.filter(practice=practice, starts_at=starts_at, status="booked").count() == 1
            by_entry = {
                offer.entry_id: offer.outcome
                for offer in WaitlistOffer.objects.filter(practice=practice, starts_at=starts_at)
            }
            statuses = {
                entry.pk: entry.status for entry in WaitlistEntry.objects.filter(practice=practice, pk__in=by_entry)
            }
        winner = next(entry for entry in entries if entry.client_id == booked[0].client_id)
        loser = next(entry for entry in entries if entry is not winner)
        assert (by_entry[winner.pk], statuses[winner.pk]) == ("claimed", "booked")
        assert (by_entry[loser.pk], statuses[loser.pk]) == ("taken", "active")  # still waiting


def test_one_clients_two_offers_claimed_at_once_book_one_visit(practice, therapist):
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, duration_minutes=60, buffer_after_minutes=0)
    [entry] = _entries(practice, service, 1)
    first = _freed_slot(
        practice, therapist, service, datetime.combine(DAY.date(), time(9)).replace(tzinfo=practice.zone), [entry]
    )
    second = _freed_slot(
        practice,
        therapist,
        service,
        datetime.combine(DAY.date(), time(9)).replace(tzinfo=practice.zone) + timedelta(hours=3),
        [entry],
    )

    outcomes = race([_claimer(practice, first[0]), _claimer(practice, second[0])])

    assert sum(isinstance(outcome, Appointment) for outcome in outcomes) == 1, outcomes
    assert waitlist.BOOKED_ELSEWHERE in outcomes
    with scopes_disabled():
        assert Appointment.objects.filter(practice=practice, client=entry.client).count() == 1
