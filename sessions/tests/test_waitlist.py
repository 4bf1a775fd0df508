"""The waitlist: which waiting clients a freed time is offered to (service fits, therapist or anyone,
weekday and hours, until, reachable in time, at most five, one offer per slot per client), the
email and its signed link, claiming, staff pages, and tenancy."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scope

from clients.tests.factories import ClientFactory
from outbox.models import OutboxMessage
from practice.tokens import signed_for_practice
from sessions import waitlist
from sessions.models import Appointment, WaitlistEntry, WaitlistOffer
from sessions.services import appointment_book, appointment_cancel, appointment_move
from sessions.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

Outcome = WaitlistOffer.Outcome
SLOT_DAY = date(2031, 3, 5)  # a Wednesday (weekday 2), well ahead of now
WEDNESDAY = 2


@pytest.fixture
def desk(practice, therapist, front_desk):
    """A booked 60-minute visit (plus a 15-minute buffer) on SLOT_DAY at 10:00, and the service."""
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, name="Swedish", duration_minutes=60, buffer_after_minutes=15)
        visit = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=service,
            starts_at=datetime.combine(SLOT_DAY, time(10)).replace(tzinfo=practice.zone),
            notify=False,
        )
        yield {"practice": practice, "service": service, "visit": visit, "therapist": therapist, "actor": front_desk}


def _wait(desk, *, client=None, **fields) -> WaitlistEntry:
    practice = desk["practice"]
    values = {
        "service": desk["service"],
        "therapist": None,
        "weekdays": [],
        "earliest": time(8),
        "latest": time(20),
        "until": SLOT_DAY + timedelta(days=10),
        **fields,
    }
    return waitlist.waitlist_entry_add(
        practice=practice, client=client or ClientFactory(practice=practice), actor=desk["actor"], **values
    )


def _offered(desk) -> set:
    return set(WaitlistOffer.objects.filter(practice=desk["practice"]).values_list("entry_id", flat=True))


def _cancel(desk):
    return appointment_cancel(appointment=desk["visit"], reason="client", actor=desk["actor"])


def test_it_offers_a_cancelled_time_to_the_five_longest_waiting_matches_by_email(desk):
    entries = [_wait(desk) for _ in range(7)]
    _cancel(desk)

    assert _offered(desk) == {entry.pk for entry in entries[: waitlist.OFFERS_PER_SLOT]}
    offer = WaitlistOffer.objects.get(practice=desk["practice"], entry=entries[0])
    assert (offer.therapist, offer.starts_at, offer.service) == (
        desk["therapist"],
        desk["visit"].starts_at,
        desk["service"],
    )
    assert offer.freed_by == desk["visit"] and offer.outcome == Outcome.OFFERED
    message = offer.message
    assert message.kind == "waitlist_offer" and message.address == entries[0].client.email
    assert message.idempotency_key == f"waitlist-offer:{offer.pk}"
    assert waitlist.offer_from_token(message.context["url"].rsplit("/", 2)[-2]) == offer
    assert message.context["when"] == "Wednesday 5 March 2031, 10:00"


def test_it_offers_only_to_clients_the_freed_time_suits(desk, therapist, owner):
    practice = desk["practice"]
    long_service = ServiceFactory(practice=practice, duration_minutes=90, buffer_after_minutes=0)
    short_service = ServiceFactory(practice=practice, duration_minutes=30, buffer_after_minutes=10)
    anyone = _wait(desk)
    this_therapist = _wait(desk, therapist=therapist, weekdays=[WEDNESDAY, 4], earliest=time(10), latest=time(11))
    short = _wait(desk, service=short_service, until=SLOT_DAY)
    not_suiting = [
        _wait(desk, therapist=owner),  # another therapist
        _wait(desk, weekdays=[0, 1]),  # not on Wednesdays
        _wait(desk, earliest=time(10, 30)),  # starts too early for them
        _wait(desk, latest=time(10, 59)),  # the visit would end after their hours
        _wait(desk, until=SLOT_DAY - timedelta(days=1)),  # no longer wanted by then
        _wait(desk, service=long_service),  # 90 minutes do not fit in 75
        _wait(desk, client=desk["visit"].client),  # the one who cancelled
        _wait(desk, client=ClientFactory(practice=practice, email="")),  # cannot be emailed
    ]
    removed = _wait(desk)
    waitlist.waitlist_entry_remove(entry=removed)
    assert len(not_suiting) == 8

    _cancel(desk)

    assert _offered(desk) == {anyone.pk, this_therapist.pk, short.pk}


def test_nobody_is_offered_a_time_they_cannot_reach(desk, owner):
    practice = desk["practice"]
    entry = _wait(desk)
    now = datetime.combine(SLOT_DAY, time(7)).replace(tzinfo=practice.zone)
    soon = now + waitlist.OFFER_NOTICE - timedelta(minutes=5)
    later = now + waitlist.OFFER_NOTICE + timedelta(minutes=5)
    with time_machine.travel(now):
        for starts_at in (soon, later):
            visit = appointment_book(
                practice=practice,
                client=ClientFactory(practice=practice),
                therapist=owner,
                service=desk["service"],
                starts_at=starts_at,
                notify=False,
            )
            appointment_cancel(appointment=visit, reason="client")

    starts = set(WaitlistOffer.objects.filter(practice=practice, entry=entry).values_list("starts_at", flat=True))
    assert starts == {later}


def test_a_time_freed_twice_is_offered_once_to_each_client(desk):
    practice = desk["practice"]
    first, second = _wait(desk), _wait(desk)
    _cancel(desk)
    again = appointment_book(
        practice=practice,
        client=ClientFactory(practice=practice),
        therapist=desk["therapist"],
        service=desk["service"],
        starts_at=desk["visit"].starts_at,
        notify=False,
    )
    third = _wait(desk)
    appointment_cancel(appointment=again, reason="client")

    offers = WaitlistOffer.objects.filter(practice=practice)
    assert sorted(offers.values_list("entry_id", flat=True)) == sorted([first.pk, second.pk, third.pk])
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        WaitlistOffer.objects.create(
            practice=practice,
            entry=first,
            client=first.client,
            therapist=desk["therapist"],
            starts_at=desk["visit"].starts_at,
            service=desk["service"],
        )


def test_a_move_offers_the_time_it_left_and_not_a_time_it_still_holds(desk):
    practice, visit = desk["practice"], desk["visit"]
    entry = _wait(desk)
    appointment_move(appointment=visit, starts_at=visit.starts_at + timedelta(minutes=30), actor=desk["actor"])
    assert not _offered(desk)  # 10:00-11:15 still partly held (10:30-11:45)

    appointment_move(appointment=visit, starts_at=visit.starts_at + timedelta(hours=3), actor=desk["actor"])
    offer = WaitlistOffer.objects.get(practice=practice, entry=entry)
    assert offer.starts_at == datetime.combine(SLOT_DAY, time(10, 30)).replace(tzinfo=practice.zone)


def test_a_no_show_offers_nothing(desk):
    _wait(desk)
    appointment_cancel(appointment=desk["visit"], reason="no_show")
    assert not _offered(desk)


def test_the_first_to_claim_books_and_the_others_are_told_it_is_taken_and_stay_waiting(desk):
    practice = desk["practice"]
    winner_entry, loser_entry = _wait(desk), _wait(desk)
    _cancel(desk)
    winner, loser = (WaitlistOffer.objects.get(practice=practice, entry=e) for e in (winner_entry, loser_entry))

    booked = waitlist.waitlist_offer_claim(offer=winner)

    assert (booked.client, booked.starts_at, booked.therapist) == (
        winner_entry.client,
        desk["visit"].starts_at,
        desk["therapist"],
    )
    winner_entry.refresh_from_db()
    loser_entry.refresh_from_db()
    loser.refresh_from_db()
    assert (winner_entry.status, winner_entry.booked) == (WaitlistEntry.Status.BOOKED, booked)
    assert loser.outcome == Outcome.TAKEN and loser_entry.status == WaitlistEntry.Status.ACTIVE
    with pytest.raises(waitlist.OfferClosed) as closed:
        waitlist.waitlist_offer_claim(offer=loser)
    assert closed.value.state == waitlist.TAKEN
    assert Appointment.objects.filter(practice=practice, client=loser_entry.client).count() == 0


def test_a_time_the_desk_booked_meanwhile_is_taken_for_the_client(desk):
    practice = desk["practice"]
    entry = _wait(desk)
    _cancel(desk)
    offer = WaitlistOffer.objects.get(practice=practice, entry=entry)
    appointment_book(
        practice=practice,
        client=ClientFactory(practice=practice),
        therapist=desk["therapist"],
        service=desk["service"],
        starts_at=offer.starts_at,
        notify=False,
    )
    with pytest.raises(waitlist.SlotTaken):
        waitlist.waitlist_offer_claim(offer=offer)
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.outcome == Outcome.TAKEN and entry.status == WaitlistEntry.Status.ACTIVE


def test_an_offer_closes_an_hour_before_its_time(desk):
    entry = _wait(desk)
    _cancel(desk)
    offer = WaitlistOffer.objects.get(practice=desk["practice"], entry=entry)
    with time_machine.travel(offer.starts_at - timedelta(minutes=59)):
        assert offer.outcome_label == "Expired unclaimed"
        with pytest.raises(waitlist.OfferClosed) as closed:
            waitlist.waitlist_offer_claim(offer=offer)
    assert closed.value.state == waitlist.EXPIRED
    offer.refresh_from_db()
    assert offer.outcome == Outcome.EXPIRED


def test_the_email_carries_the_link_and_an_offer_taken_before_sending_is_not_sent(desk, send_outbox):
    practice = desk["practice"]
    first, second = _wait(desk), _wait(desk)
    _cancel(desk)
    waitlist.waitlist_offer_claim(offer=WaitlistOffer.objects.get(practice=practice, entry=first))
    mail.outbox.clear()

    send_outbox()

    to_second = [m for m in mail.outbox if m.to == [second.client.email]]
    assert not to_second  # the time was taken before the offer went out
    offer = WaitlistOffer.objects.select_related("message").get(practice=practice, entry=second)
    assert offer.message.status == OutboxMessage.Status.SKIPPED
    assert "taken" in offer.message.skip_reason


def test_the_offer_email_says_what_and_links_to_the_claim_page(desk, send_outbox):
    entry = _wait(desk)
    _cancel(desk)
    mail.outbox.clear()
    send_outbox()
    [email] = [m for m in mail.outbox if m.to == [entry.client.email]]
    assert email.subject == "A time has come free: Wednesday 5 March 2031, 10:00"
    assert "/waitlist/offer/" in email.body and "The link works until Wednesday 5 March, 09:00" in email.body


# --- Pages --------------------------------------------------------------------------------------


def _claim_url(offer) -> str:
    return waitlist.offer_url(offer).removeprefix("http://testserver")


def test_the_claim_page_shows_the_time_and_books_it_then_says_booked(desk, client):
    entry = _wait(desk)
    _cancel(desk)
    offer = WaitlistOffer.objects.get(practice=desk["practice"], entry=entry)
    url = reverse("sessions:waitlist-claim", args=[waitlist.offer_url(offer).rsplit("/", 2)[-2]])

    shown = client.get(url)
    assert shown.status_code == 200 and "Book Wednesday 5 March, 10:00" in shown.content.decode()

    booked = client.post(url)
    assert booked.status_code == 200 and "You are booked" in booked.content.decode()
    assert "confirmation" in booked.content.decode()
    again = client.get(url)
    assert "This link has booked that visit" in again.content.decode()


def test_a_forged_or_altered_link_answers_clearly(desk, client, other_practice):
    entry = _wait(desk)
    _cancel(desk)
    offer = WaitlistOffer.objects.get(practice=desk["practice"], entry=entry)
    token = waitlist.offer_url(offer).rsplit("/", 2)[-2]
    forged = signing.dumps({"o": str(offer.pk), "practice": str(desk["practice"].pk)}, salt="another salt")
    other = signed_for_practice({"o": str(offer.pk)}, practice_id=other_practice.pk, salt=waitlist.OFFER_SALT)
    for bad in (token[:-3] + "abc", forged, other):
        response = client.post(reverse("sessions:waitlist-claim", args=[bad]))
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    offer.refresh_from_db()
    assert offer.outcome == Outcome.OFFERED


def test_a_removed_client_is_told_the_offer_is_closed(desk, client):
    entry = _wait(desk)
    _cancel(desk)
    offer = WaitlistOffer.objects.get(practice=desk["practice"], entry=entry)
    waitlist.waitlist_entry_remove(entry=entry)
    offer.refresh_from_db()
    assert offer.outcome == Outcome.WITHDRAWN
    response = client.post(_claim_url(offer))
    assert response.status_code == 410 and "This offer is closed" in response.content.decode()
    assert not Appointment.objects.filter(practice=desk["practice"], client=entry.client).exists()


def test_staff_add_a_client_see_the_list_and_the_offers_and_remove_them(desk, client_for, front_desk):
    practice = desk["practice"]
    person = ClientFactory(practice=practice, first_name="Wren", last_name="Hollis")
    desk_client = client_for(front_desk)
    add_url = reverse("sessions:waitlist-add", args=[practice.slug, person.pk])
    fields = {
        "service": desk["service"].pk,
        "therapist": "",
        "weekdays": [WEDNESDAY],
        "earliest": "09:00",
        "latest": "08:00",
        "until": SLOT_DAY.isoformat(),
        "note": "Prefers mornings",
    }
    refused = desk_client.post(add_url, fields)
    assert refused.status_code == 400
    assert "The end of the hours must come after their start." in refused.content.decode()
    assert not WaitlistEntry.objects.filter(practice=practice).exists()

    added = desk_client.post(add_url, {**fields, "latest": "12:00"})
    assert added.status_code == 302
    entry = WaitlistEntry.objects.get(practice=practice)
    assert (entry.weekdays, entry.created_by, entry.note) == ([WEDNESDAY], front_desk, "Prefers mornings")

    _cancel(desk)
    listed = desk_client.get(reverse("sessions:waitlist", args=[practice.slug])).content.decode()
    assert "Wren Hollis" in listed and "Wed 5 Mar 10:00" in listed and "Offered" in listed
    found = desk_client.get(reverse("sessions:waitlist", args=[practice.slug]), {"q": "Hollis"}).content.decode()
    assert add_url in found
    detail = desk_client.get(reverse("sessions:waitlist-entry", args=[practice.slug, entry.pk])).content.decode()
    assert "Wed 5 Mar 10:00" in detail and "Scheduled" in detail

    desk_client.post(reverse("sessions:waitlist-remove", args=[practice.slug, entry.pk]))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.REMOVED
    listed = desk_client.get(reverse("sessions:waitlist", args=[practice.slug])).content.decode()
    assert reverse("sessions:waitlist-remove", args=[practice.slug, entry.pk]) not in listed
    assert "Withdrawn" not in listed and "No longer waiting" in listed  # its offer is withdrawn


def test_another_practices_waitlist_is_not_there(desk, client_for, outsider, other_practice):
    entry = _wait(desk)
    with scope(practice=other_practice):
        theirs = ServiceFactory(practice=other_practice, duration_minutes=60, buffer_after_minutes=15)
        WaitlistEntry.objects.create(
            practice=other_practice,
            client=ClientFactory(practice=other_practice),
            service=theirs,
            until=SLOT_DAY,
        )
    _cancel(desk)
    with scope(practice=other_practice):
        assert not WaitlistOffer.objects.filter(practice=other_practice).exists()  # offers stay in the practice

    stranger = client_for(outsider)
    for url in (
        reverse("sessions:waitlist-entry", args=[other_practice.slug, entry.pk]),
        reverse("sessions:waitlist-add", args=[other_practice.slug, entry.client.pk]),
    ):
        assert stranger.get(url).status_code == 404
    assert stranger.post(reverse("sessions:waitlist-remove", args=[other_practice.slug, entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.ACTIVE


def test_the_waitlist_page_reads_many_entries_and_offers_in_a_few_queries(
    desk, client_for, front_desk, django_assert_max_num_queries
):
    practice = desk["practice"]
    for _ in range(12):
        _wait(desk)
    _wait(desk, until=SLOT_DAY)
    _cancel(desk)
    for hour in (13, 15):
        visit = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=desk["therapist"],
            service=desk["service"],
            starts_at=datetime.combine(SLOT_DAY, time(hour)).replace(tzinfo=practice.zone),
            notify=False,
        )
        appointment_cancel(appointment=visit, reason="client")
    assert WaitlistOffer.objects.filter(practice=practice).count() == 3 * waitlist.OFFERS_PER_SLOT

    as_desk = client_for(front_desk)
    with django_assert_max_num_queries(5):  # session, user, membership; then the offers and the entries
        page = as_desk.get(reverse("sessions:waitlist", args=[practice.slug]))
    assert page.status_code == 200 and page.content.decode().count("Remove</button>") == 13
    with time_machine.travel(datetime.combine(SLOT_DAY + timedelta(days=1), time(12)).replace(tzinfo=practice.zone)):
        later = client_for(front_desk).get(reverse("sessions:waitlist", args=[practice.slug])).content.decode()
    assert later.count(">Over</span>") == 1 and later.count("Expired unclaimed") == 3 * waitlist.OFFERS_PER_SLOT


def test_the_clients_timeline_shows_their_waitlist_entry_and_the_times_offered(desk, client_for, front_desk):
    practice = desk["practice"]
    person = ClientFactory(practice=practice, first_name="Wren", last_name="Hollis")
    entry = _wait(desk, client=person, note="Prefers mornings")
    _cancel(desk)
    page = reverse("clients:client-detail", args=[practice.slug, person.pk])
    shown = client_for(front_desk).get(page, {"kind": "waitlist"}).content.decode()
    assert "On the waitlist · Swedish" in shown and "Prefers mornings" in shown and "Waiting" in shown
    assert "Offered Wed 5 Mar, 10:00 · Swedish" in shown
    assert reverse("sessions:waitlist-entry", args=[practice.slug, entry.pk]) in shown
