"""The waitlist in a browser: the front desk puts a client on the waitlist from their page, a visit is
cancelled, two waiting clients (two browsers, on phones) open their offer links and both press
"Book": one is booked, the other is told the time is taken and stays on the list, and the desk sees
who was offered what."""

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from sessions import waitlist
from sessions.models import Appointment, WaitlistEntry, WaitlistOffer
from sessions.services import appointment_book
from sessions.tests.factories import ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REBOOK_SCREENSHOTS_DIR", "/tmp/rb"))
PHONE = {"width": 390, "height": 844}


def _shot(page, name):
    """Screenshots only on request (REBOOK_SCREENSHOTS=1), so CI writes no files."""
    if os.environ.get("REBOOK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def _claim_path(offer) -> str:
    return reverse("sessions:waitlist-claim", args=[waitlist.offer_url(offer).rsplit("/", 2)[-2]])


def test_two_waiting_clients_claim_one_freed_time_one_books_the_other_is_told_taken(
    live_server, sign_in, browser, browser_page, main_menu, front_desk, therapist, practice, assert_accessible
):
    zone = practice.zone
    tomorrow = timezone.localdate(timezone=zone) + timedelta(days=1)
    starts_at = datetime.combine(tomorrow, time(10)).replace(tzinfo=zone)
    with scope(practice=practice):
        service = ServiceFactory(practice=practice, name="Swedish massage")
        ada = ClientFactory(practice=practice, first_name="Ada", last_name="Lark", email="ada@clients.example")
        ben = ClientFactory(practice=practice, first_name="Ben", last_name="Reed", email="ben@clients.example")
        WaitlistEntry.objects.create(practice=practice, client=ben, service=service, until=tomorrow)
        visit = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice, first_name="Sol", last_name="Marsh"),
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            notify=False,
        )
    desk = browser_page
    sign_in(desk, front_desk.email, practice_slug=practice.slug)

    # Ada goes on the waitlist from her page, behind Ben, who waits already.
    desk.goto(f"{live_server.url}/p/{practice.slug}/clients/{ada.pk}/")
    desk.get_by_role("link", name="Add to waitlist").click()
    desk.get_by_label("Service").select_option(label=str(service))
    desk.get_by_label("Finished by").fill("07:00")
    desk.get_by_role("button", name="Add to the waitlist").click()
    expect(desk.get_by_text("The end of the hours must come after their start.")).to_be_visible()
    assert_accessible(desk)
    _shot(desk, "waitlist-add-1024.png")
    desk.get_by_label("Finished by").fill("18:00")
    desk.get_by_role("button", name="Add to the waitlist").click()
    expect(desk.get_by_text("Ada Lark is on the waitlist.")).to_be_visible()

    # Sol cancels: the time is offered to both.
    desk.goto(f"{live_server.url}/p/{practice.slug}/appointments/{visit.pk}/")
    desk.get_by_label("Client cancelled").check()
    desk.get_by_role("button", name="Cancel the appointment").click()
    main_menu(desk).get_by_role("link", name="Waitlist").click()
    offers_table = desk.get_by_role("table").filter(has_text="Offered to")
    expect(offers_table.locator("tbody tr").filter(has_text="Offered")).to_have_count(2)
    with scopes_disabled():
        offers = {o.client_id: o for o in WaitlistOffer.objects.filter(practice=practice).select_related("practice")}
    assert set(offers) == {ada.pk, ben.pk}

    # Both open their links on their phones before either presses the button.
    phones = []
    for person in (ben, ada):
        page = browser.new_context(viewport=PHONE).new_page()
        page.goto(live_server.url + _claim_path(offers[person.pk]))
        expect(page.get_by_role("heading", name=f"A time has come free, {person.first_name}")).to_be_visible()
        phones.append(page)
    when = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}, 10:00"
    _shot(phones[0], "waitlist-claim-390.png")

    ben_page, ada_page = phones
    ben_page.get_by_role("button", name=f"Book {when}").click()
    expect(ben_page.get_by_role("heading", name="You are booked")).to_be_visible()
    ada_page.get_by_role("button", name=f"Book {when}").click()
    expect(ada_page.get_by_role("heading", name="Sorry, this time is already taken")).to_be_visible()
    expect(ada_page.get_by_text("You stay on the waitlist")).to_be_visible()
    _shot(ada_page, "waitlist-taken-390.png")

    with scopes_disabled():
        booked = Appointment.objects.get(practice=practice, starts_at=starts_at, status="booked")
    assert booked.client_id == ben.pk

    # The desk sees who was offered what and how it ended; Ada still waits, Ben does not.
    desk.reload()
    expect(offers_table.get_by_role("row").filter(has_text="Ben Reed")).to_contain_text("Claimed")
    expect(offers_table.get_by_role("row").filter(has_text="Ada Lark")).to_contain_text("Taken by someone else")
    waiting = desk.get_by_role("table").filter(has_text="Waiting since")
    expect(waiting.get_by_role("row").filter(has_text="Ada Lark")).to_be_visible()
    expect(waiting.get_by_role("row").filter(has_text="Ben Reed")).to_have_count(0)
    desk.set_viewport_size({"width": 1280, "height": 900})
    _shot(desk, "waitlist-1280.png")

    waiting.get_by_role("link", name="Ada Lark").click()
    expect(desk.get_by_role("heading", name="Ada Lark on the waitlist")).to_be_visible()
    expect(desk.get_by_role("row").filter(has_text="Swedish massage")).to_contain_text("Taken by someone else")
    _shot(desk, "waitlist-entry-1280.png")
