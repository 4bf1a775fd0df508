"""A person at the front desk signs in with the demo login and reaches the practice home page."""

from io import StringIO

import pytest
from django.core.management import call_command

from practice.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_front_desk_signs_in_and_sees_the_practice_home(live_server, browser_page):
    call_command("seed_demo", stdout=StringIO())
    page = browser_page
    page.goto(f"{live_server.url}/p/harbour-light/")
    assert "/login/" in page.url  # signed out: sent to sign in first

    page.get_by_label("Email").fill("frontdesk@harbour-light.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/p/harbour-light/")
    assert page.get_by_role("heading", level=1).inner_text() == "Harbour Light Massage"
    assert page.get_by_text("Front desk", exact=True).first.is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Home").is_visible()
    # The front desk's navigation offers only what the role may use.
    assert nav.get_by_role("link", name="Staff").count() == 0
    assert nav.get_by_role("link", name="Audit log").count() == 0
