"""The day grid in a browser, as the front desk works it: booking from a free time (by mouse and by
keyboard), moving a visit by dragging it and from the keyboard, a refused move that snaps back with
the reason, and the quick actions of a visit."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.models import Appointment
from sessions.services import appointment_book
from sessions.tests.factories import ServiceFactory, weekly_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=15_000)  # a move is a request, a write and a fresh grid: a busy machine is slow


@pytest.fixture
def tomorrow(practice, therapist):
    """Two therapists working tomorrow, and Rowan booked with the first at 10:00."""
    day = timezone.localdate(timezone=practice.zone) + timedelta(days=1)
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        for person in (therapist, other):
            weekly_hours(practice, person)
        service = ServiceFactory(practice=practice, name="Swedish massage", duration_minutes=60)
        rowan = ClientFactory(practice=practice, first_name="Rowan", last_name="Birchwood", alerts="Latex allergy")
        ClientFactory(practice=practice, first_name="Sasha", last_name="Birchall")
        visit = appointment_book(
            practice=practice,
            client=rowan,
            therapist=therapist,
            service=service,
            starts_at=datetime.combine(day, time(10)).replace(tzinfo=practice.zone),
            notify=False,
        )
    return {"day": day, "other": other, "visit": visit, "service": service}


def _column(page, person):
    return page.get_by_role("region", name=person.get_full_name())


def _cell(page, person, day, at: str):
    return _column(page, person).locator(f'a.cell[data-at="{day.isoformat()}T{at}"]')


def _drag(page, block, target):
    """Hold the block by its middle (its top may lie under a column's sticky heading) and let it go
    with its top on the target's top."""
    page.locator("#calendar-grid[data-ready]").wait_for()
    page.locator("#calendar-grid").scroll_into_view_if_needed()
    held, goal = block.bounding_box(), target.bounding_box()
    grip = held["height"] / 2
    page.mouse.move(held["x"] + 20, held["y"] + grip)
    page.mouse.down()
    page.mouse.move(goal["x"] + 20, goal["y"] + grip, steps=12)
    page.mouse.up()


def _visit(pk) -> Appointment:
    with scopes_disabled():
        return Appointment.objects.select_related("therapist").get(pk=pk)


def _local(visit, practice) -> str:
    return f"{timezone.localtime(visit.starts_at, practice.zone):%Y-%m-%d %H:%M}"


def test_the_front_desk_books_moves_and_acts_on_the_day_grid(
    live_server, sign_in, browser, front_desk, therapist, practice, tomorrow, assert_accessible
):
    day, other, visit = tomorrow["day"], tomorrow["other"], tomorrow["visit"]
    # A large tablet upright: the whole day's grid fits on the screen, so a drag stays in view.
    page = browser.new_page(viewport={"width": 1024, "height": 1366})
    page.set_default_timeout(15_000)
    sign_in(page, front_desk.email, practice_slug=practice.slug)
    calendar = f"{live_server.url}/p/{practice.slug}/calendar/?date={day.isoformat()}"
    page.goto(calendar)
    assert_accessible(page)
    block = page.locator(f'.appt[data-id="{visit.pk}"]')
    expect(block).to_contain_text("Rowan Birchwood")
    expect(block.get_by_label("Alert: Latex allergy")).to_be_visible()

    # Book by clicking a free time: the form comes with the therapist and the time filled in.
    _cell(page, therapist, day, "14:00").click()
    expect(page.get_by_role("heading", name="Book a visit")).to_be_visible()
    expect(page.get_by_label("With")).to_have_value(str(therapist.pk))
    expect(page.get_by_label("Time")).to_have_value("14:00")
    page.get_by_role("button", name="Book").click()  # no client chosen yet: said, nothing booked
    expect(page.get_by_text("Choose the client.")).to_be_visible()
    page.locator("html[data-htmx-ready]").wait_for(state="attached")  # the search listens from here
    page.get_by_role("searchbox", name="Client").fill("Birch")
    page.get_by_label("Sasha Birchall").check()  # found as you type
    page.get_by_label("Service").select_option(str(tomorrow["service"].pk))
    assert_accessible(page)
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status").filter(has_text="Booked Sasha Birchall")).to_be_visible()
    sasha = page.locator(".appt", has_text="Sasha Birchall")
    expect(sasha).to_contain_text("14:00")

    # Drag Rowan's visit to the other therapist at 11:00.
    _drag(page, block, _cell(page, other, day, "11:00"))
    expect(page.locator("#calendar-message")).to_contain_text("Moved to")
    moved = _visit(visit.pk)
    assert (moved.therapist, _local(moved, practice)) == (other, f"{day} 11:00")
    block = page.locator(f'.appt[data-id="{visit.pk}"]')
    expect(_column(page, other).locator(f'.appt[data-id="{visit.pk}"]')).to_be_visible()

    # A drag onto Sasha's time is refused: the visit snaps back and the reason is shown.
    _drag(page, block, sasha)
    expect(page.locator("#calendar-message.alert-danger")).to_contain_text("no longer free")
    expect(block).to_have_css("transform", "none")
    assert _local(_visit(visit.pk), practice) == f"{day} 11:00"

    # From the keyboard: M picks the visit up, the arrows move it, Enter puts it down.
    page.locator("#calendar-grid[data-ready]").wait_for()
    block.focus()
    page.keyboard.press("m")
    expect(page.locator("#calendar-announce")).to_contain_text("Enter moves it")
    names = page.locator("section.cal-column").evaluate_all("all => all.map(c => c.getAttribute('aria-label'))")
    left = names.index(therapist.get_full_name()) < names.index(other.get_full_name())
    towards = "ArrowLeft" if left else "ArrowRight"
    for key in [towards, "ArrowUp", "ArrowUp", "ArrowUp", "ArrowUp"]:
        page.keyboard.press(key)
    expect(page.locator("#calendar-announce")).to_contain_text(f"{therapist.get_full_name()} at 10:00")
    page.keyboard.press("Enter")
    expect(page.locator("#calendar-message")).to_contain_text("at 10:00 with")
    moved = _visit(visit.pk)
    assert (moved.therapist, _local(moved, practice)) == (therapist, f"{day} 10:00")
    # The grid is read again: the visit is in its new place, and focus stays on it.
    expect(_column(page, therapist).locator(f'.appt[data-id="{visit.pk}"]')).to_be_focused()

    # Booking from the keyboard: down to the next free time, Enter.
    page.keyboard.press("ArrowDown")
    focused = page.locator("a.cell:focus")
    expect(focused).to_have_attribute("data-at", f"{day.isoformat()}T11:15")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Time")).to_have_value("11:15")

    # Quick actions: a click on a visit opens them; "Arrived" comes back to the calendar.
    page.goto(calendar)
    page.locator(f'.appt[data-id="{visit.pk}"]').click()
    dialog = page.get_by_role("dialog", name="Rowan Birchwood")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Latex allergy")).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Arrived").click()
    expect(page.get_by_role("status").filter(has_text="Marked as arrived")).to_be_visible()
    assert page.url == calendar
    expect(page.locator(f'.appt.arrived[data-id="{visit.pk}"]')).to_contain_text("Arrived")
    assert _visit(visit.pk).status == Appointment.Status.ARRIVED
