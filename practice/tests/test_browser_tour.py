"""The demo owner opens every page of the main menu and the Manage menu on a phone: the browser fixture
checks each page with axe-core as it loads (contrast, names, landmarks, tables that scroll sideways
but cannot be reached by keyboard), and each must answer without a console error."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from practice.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/rb")


def _shot(page, name, **options):
    """Screenshots only on request (REBOOK_SCREENSHOTS=1), so CI writes no files."""
    if os.environ.get("REBOOK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), **options)


def test_the_owner_visits_every_page_of_the_menus(live_server, sign_in, browser):
    call_command("seed_demo", stdout=StringIO())
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    sign_in(page, "owner@harbour-light.example", password=DEMO_PASSWORD, practice_slug="harbour-light")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Manage").click()
    nav.get_by_role("menu").or_(nav.locator(".dropdown-menu.show")).first.wait_for()
    _shot(page, "nav-1280.png", clip={"x": 0, "y": 0, "width": 1280, "height": 420})
    links = nav.get_by_role("link").evaluate_all("(links) => links.map((a) => [a.textContent.trim(), a.href])")
    pages = {name: href for name, href in links if "/p/harbour-light/" in href}
    page.set_viewport_size({"width": 390, "height": 844})
    assert {"Calendar", "Clients", "Calls", "Partners", "Outbox", "Staff", "Newsletters", "Follow-ups"} <= set(pages)
    for name, href in pages.items():
        response = page.goto(href)
        assert response.ok, f"{name} answered {response.status}"
        page.get_by_role("heading", level=1).first.wait_for()
        if name == "Partners":
            _shot(page, "partners-390.png", full_page=True)
