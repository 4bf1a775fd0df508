"""The whole checkout in a browser: the front desk completes a visit, picks "same time next week",
sees the confirmation, and the rebooking figure moves."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from sessions.models import Appointment
from sessions.tests.factories import ServiceFactory, weekly_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rebooked_cell(page, month_label):
    row = page.get_by_role("row").filter(has_text=month_label)
    return row.get_by_role("cell").nth(3).inner_text()


def test_the_front_desk_rebooks_same_time_next_week_at_checkout(
    live_server, sign_in, browser_page, front_desk, therapist, practice, assert_accessible
):
    zone = practice.zone
    yesterday = timezone.localdate(timezone=zone) - timedelta(days=1)
    starts = datetime.combine(yesterday, time(10)).replace(tzinfo=zone)
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice, name="Swedish massage")
        client = ClientFactory(
            practice=practice, first_name="Rowan", last_name="Birchwood", email="rowan@clients.example"
        )
        visit = Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            blocked_until=starts + timedelta(hours=1, minutes=15),
        )
    month = yesterday.strftime("%b %Y")
    page = browser_page
    sign_in(page, front_desk.email, practice_slug=practice.slug)

    page.goto(f"{live_server.url}/p/{practice.slug}/calendar/?date={yesterday.isoformat()}")
    assert_accessible(page)
    page.get_by_role("link", name="Rowan Birchwood").click()  # the visit's quick actions
    page.get_by_role("dialog", name="Rowan Birchwood").get_by_role("link", name="Open the visit").click()
    page.get_by_label("Next visit in").select_option("7")
    page.get_by_role("button", name="Complete and check out").click()
    page.get_by_role("heading", name="Checkout: Rowan Birchwood").wait_for()
    assert_accessible(page)

    page.goto(f"{live_server.url}/p/{practice.slug}/figures/")
    assert _rebooked_cell(page, month) == "0%"
    page.go_back()
    page.get_by_role("button", name="Same time next week").click()
    assert page.get_by_role("status").filter(has_text="Checkout recorded").is_visible()
    next_week = (yesterday + timedelta(days=7)).strftime("%A %-d %B")
    assert page.get_by_text(f"Booked: {next_week} at 10:00").is_visible()

    with scopes_disabled():
        rebooked = Appointment.objects.get(booked_at_checkout_of=visit)
    assert rebooked.starts_at.astimezone(zone).strftime("%A %-d %B %H:%M") == f"{next_week} 10:00"
    page.goto(f"{live_server.url}/p/{practice.slug}/figures/")
    assert _rebooked_cell(page, month) == "100%"
