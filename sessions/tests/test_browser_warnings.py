"""In a browser: the front desk books a client's second visit on a day they already come; the page
says so before anything is booked, and "Book anyway" books it. Moving it beside the first one asks
the same way."""

import os
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from sessions.models import Appointment
from sessions.tests.factories import ServiceFactory, weekly_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/wt-warnings"


def _slot_button(page, day, label):
    """The button of `label` under the heading of `day` in the list of open times."""
    heading = page.locator("#slots").get_by_role("heading", name=day.strftime("%A %-d %B"))
    return heading.locator("xpath=following-sibling::div[1]").get_by_role("button", name=label, exact=True)


def test_a_second_visit_the_same_day_is_booked_only_after_book_anyway(
    live_server, sign_in, browser_page, front_desk, therapist, practice, assert_accessible
):
    zone = practice.zone
    day = timezone.localdate(timezone=zone) + timedelta(days=2)
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice, name="Swedish massage")
        client = ClientFactory(practice=practice, first_name="Rowan", last_name="Birchwood")
        starts = datetime.combine(day, time(10)).replace(tzinfo=zone)
        Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            blocked_until=starts + timedelta(hours=1, minutes=15),
        )
    page = browser_page
    sign_in(page, front_desk.email, practice_slug=practice.slug)

    page.goto(f"{live_server.url}/p/{practice.slug}/clients/{client.pk}/")
    page.get_by_role("link", name="Book", exact=True).click()
    page.get_by_label("Service").select_option(label=str(service))
    page.get_by_label("With").select_option(label=therapist.get_full_name())
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_role("button", name="Find times").click()
    _slot_button(page, day, "14:00").click()

    warning = page.get_by_role("region", name=f"Not booked yet: {day:%A %-d %B}, 14:00")
    expect_text = f"Rowan Birchwood already has a visit that day: Swedish massage {day:%a %-d %b} 10:00–11:00"
    warning.get_by_text(expect_text).wait_for()
    with scopes_disabled():
        assert Appointment.objects.filter(client=client).count() == 1  # nothing booked yet
    assert_accessible(page)
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/book-warning-tablet.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=f"{SHOTS}/book-warning-desktop.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})

    warning.get_by_role("button", name="Book anyway").click()
    page.get_by_text(f"Booked Rowan Birchwood for {day:%a %-d %b} 14:00.").wait_for()
    with scopes_disabled():
        second = Appointment.objects.get(client=client, starts_at__gt=starts)
    assert second.starts_at == datetime.combine(day, time(14)).replace(tzinfo=zone)

    # Moving the second visit to the evening of the same day asks again, and then moves it.
    page.get_by_role("link", name="Move").click()
    page.get_by_label("Time").fill("16:00")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_role("region", name=f"Not moved yet: {day:%A %-d %B}, 16:00").wait_for()
    assert_accessible(page)
    page.screenshot(path=f"{SHOTS}/move-warning-tablet.png", full_page=True)
    page.get_by_role("button", name="Move anyway").click()
    page.get_by_text("Moved; the client gets an updated calendar entry.").wait_for()
    second.refresh_from_db()
    assert timezone.localtime(second.starts_at, zone).time() == time(16)
