"""The client's timeline in a real browser, as two roles see it: the therapist reads notes and
addenda and narrows the timeline to notes; the front desk sees visits and messages but no notes,
loads older entries in place, filters by kind and moves the coming visit from the timeline."""

import os
from pathlib import Path

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from clients.tests.timeline_data import at, client_with_everything
from sessions.models import Appointment
from sessions.tests.factories import visit_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    """Screenshots only on request (REBOOK_SCREENSHOTS=<folder>), so CI writes no files."""
    folder = os.environ.get("REBOOK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _entries(page, kind=""):
    return page.locator(f".timeline-entry{'.kind-' + kind if kind else ''}")


def test_each_role_sees_its_own_timeline_filters_it_and_acts_from_it(
    live_server, sign_in, browser, practice, therapist, front_desk, assert_accessible
):
    history = client_with_everything(practice, therapist)
    client, last = history["client"], history["last"]
    with scope(practice=practice):  # a long history: older visits than one page holds
        Appointment.objects.bulk_create(
            visit_row(
                practice=practice,
                client=client,
                therapist=therapist,
                service=last.service,
                starts_at=at(practice, -60 - 7 * n),
                status="completed" if n % 4 else "cancelled",
            )
            for n in range(30)
        )
    url = f"{live_server.url}/p/{practice.slug}/clients/{client.pk}/"

    # The therapist: notes and addenda, and the filter narrows to them.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, therapist.email, practice_slug=practice.slug)
    page.goto(url)
    timeline = page.get_by_role("region", name="Timeline")
    filters = timeline.get_by_role("navigation", name="Show on the timeline")
    expect(timeline.get_by_text("Jules tolerated firm pressure well.").first).to_be_visible()
    expect(timeline.get_by_text("Forgot: left hip too.")).to_be_visible()
    expect(filters.get_by_role("link", name="Messages")).to_have_count(0)  # therapists do not read the outbox
    assert_accessible(page)
    _shot(page, "timeline-therapist-desktop.png")
    filters.get_by_role("link", name="Notes").click()
    expect(filters.get_by_role("link", name="Notes")).to_have_attribute("aria-current", "page")
    expect(_entries(page, "notes")).to_have_count(7)  # six notes and the addendum
    expect(_entries(page)).to_have_count(7)
    assert_accessible(page)

    # The front desk: visits and messages, no notes; older entries in place; filters; move a visit.
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, front_desk.email, practice_slug=practice.slug)
    page.goto(url)
    timeline = page.get_by_role("region", name="Timeline")
    filters = timeline.get_by_role("navigation", name="Show on the timeline")
    expect(timeline.get_by_text("How are you feeling today?")).to_be_visible()
    expect(timeline.get_by_text("not rebooked: Cost (after payday)")).to_be_visible()
    expect(filters.get_by_role("link", name="Notes")).to_have_count(0)
    expect(page.get_by_text("tolerated firm pressure")).to_have_count(0)
    assert_accessible(page)
    _shot(page, "timeline-desk-tablet.png")
    past = timeline.get_by_role("list", name="Past")
    expect(past.locator(".timeline-entry")).to_have_count(30)
    timeline.get_by_role("link", name="Show older").click()
    # Visits, the sent email, the call, referrals, the waitlist entry.
    expect(past.locator(".timeline-entry")).to_have_count(36 + 1 + 1 + 2 + 1)
    expect(timeline.get_by_role("link", name="Show older")).to_have_count(0)
    assert page.url == url

    filters.get_by_role("link", name="Messages").click()
    expect(filters.get_by_role("link", name="Messages")).to_have_attribute("aria-current", "page")
    expect(_entries(page)).to_have_count(2)
    expect(_entries(page, "messages")).to_have_count(2)
    assert_accessible(page)

    filters.get_by_role("link", name="Visits").click()
    coming = timeline.get_by_role("list", name="Coming up")
    expect(coming.locator(".timeline-entry")).to_have_count(1)
    coming.get_by_role("link", name="Move").click()
    page.wait_for_url(f"**/appointments/{history['coming'].pk}/move/")
    assert_accessible(page)
