"""The owner answers a partner's checklist, then moves the partner across the board."""

import os
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from referrals.models import Partner, VettingAnswer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SHOTS = Path("/tmp/rb")


def _shot(page, name):
    """Screenshots only on request (REBOOK_SCREENSHOTS=1), so CI writes no files."""
    if os.environ.get("REBOOK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_the_owner_vets_a_partner_and_moves_it_on_the_board(
    live_server, sign_in, browser_page, owner, practice, main_menu
):
    with scope(practice=practice):
        partner = Partner.objects.create(
            practice=practice, organisation="Quayside Physio", kind="physio", stage="researching"
        )
    page = browser_page
    sign_in(page, owner.email, practice_slug=practice.slug)
    main_menu(page).get_by_role("link", name="Partners").click()

    researching = page.get_by_role("region", name="Researching")
    researching.get_by_role("link", name="Quayside Physio").click()
    family = page.get_by_role("group", name="Would you send your own family to them?")
    family.get_by_label("Yes", exact=True).check()
    family.get_by_role("textbox").fill("Saw them for my own knee")
    page.get_by_role("group", name="Any concern about billing or over-treatment?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Save the answers").click()
    page.get_by_text("2 answers saved.").wait_for()

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Partners").click()
    card = page.get_by_role("article", name="Quayside Physio")
    card.get_by_label("Move Quayside Physio to").select_option("meeting")
    card.get_by_role("button", name="Move").click()
    page.get_by_text("Quayside Physio is now in the “Meeting” stage.").wait_for()
    assert page.get_by_role("region", name="Meeting").get_by_role("link", name="Quayside Physio").is_visible()
    assert page.get_by_role("region", name="Researching").get_by_role("link", name="Quayside Physio").count() == 0
    with scopes_disabled():
        partner.refresh_from_db()
        assert partner.stage == "meeting" and VettingAnswer.objects.filter(partner=partner).count() == 2

    # On a phone the board's columns scroll inside the board; the page itself never scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    meeting = page.get_by_role("region", name="Meeting")
    meeting.wait_for()
    _shot(page, "board-390.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_role("link", name="Add a partner").is_visible()
    meeting.get_by_role("link", name="Quayside Physio").scroll_into_view_if_needed()
    assert meeting.get_by_role("link", name="Quayside Physio").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
