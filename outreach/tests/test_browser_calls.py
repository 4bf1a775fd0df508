"""The front desk's morning: the calls nobody in particular is assigned wait on its own list; it looks
at everyone's calls, records an outcome there and stays on everyone's."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from outreach.models import CallTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/rb")


def _call(practice, assigned_to, name):
    return CallTask.objects.create(
        practice=practice,
        client_ref=ClientFactory(practice=practice).pk,
        assigned_to=assigned_to,
        reason="recall" if assigned_to is None else "follow-up",
        client_name=name,
        phone="+1 603 555 0133",
        due_on=timezone.localdate(timezone=practice.zone),
    )


def test_the_desk_works_its_calls_and_everyones_without_losing_its_place(
    live_server, sign_in, browser_page, front_desk, therapist, practice, main_menu
):
    with scope(practice=practice):
        _call(practice, None, "Rowan Pike")
        followup = _call(practice, therapist, "Blair Hollis")
    page = browser_page
    sign_in(page, front_desk.email, practice_slug=practice.slug)
    main_menu(page).get_by_role("link", name="Calls").click()
    page.get_by_role("heading", name="Your calls for today").wait_for()
    assert page.get_by_text("Rowan Pike").is_visible() and page.get_by_text("Blair Hollis").count() == 0

    page.get_by_role("link", name="Everyone's").click()
    page.get_by_role("heading", name="Everyone's calls for today").wait_for()
    if os.environ.get("REBOOK_SCREENSHOTS"):  # only on request, so CI writes no files
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "calls-everyone.png"), full_page=True)
    blair = page.locator(".list-group-item", has_text="Blair Hollis")
    assert blair.get_by_text(f"for {therapist.first_name}").is_visible()
    blair.get_by_role("button", name="Left a message").click()
    page.get_by_text("Blair Hollis: left a message.").wait_for()
    assert page.get_by_role("heading", name="Everyone's calls for today").is_visible()
    assert page.get_by_text("Rowan Pike").is_visible() and page.get_by_text("for the front desk").is_visible()
    with scopes_disabled():
        followup.refresh_from_db()
    assert followup.status == "left_message"
