"""User journeys in a real browser: the front desk signs in to the practice home page; the owner
manages roles in place (htmx under the Content-Security-Policy)."""

from io import StringIO

import pytest
from django.core.management import call_command

from practice.demo import DEMO_PASSWORD
from practice.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_front_desk_signs_in_and_sees_the_practice_home(live_server, browser_page, main_menu):
    call_command("seed_demo", stdout=StringIO())
    page = browser_page
    page.goto(f"{live_server.url}/p/harbour-light/")
    assert "/login/" in page.url  # signed out: sent to sign in first

    page.get_by_label("Email").fill("frontdesk@harbour-light.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/p/harbour-light/")
    assert page.get_by_role("heading", level=1).inner_text() == "Harbour Light Massage"
    nav = main_menu(page)
    assert nav.get_by_text("Front desk", exact=True).first.is_visible()
    assert nav.get_by_role("link", name="Home").is_visible()
    # The front desk's navigation offers only what the role may use.
    assert nav.get_by_role("button", name="Manage").count() == 0
    assert nav.get_by_role("link", name="Staff", include_hidden=True).count() == 0
    assert nav.get_by_role("link", name="Audit log", include_hidden=True).count() == 0


def test_the_owner_changes_a_role_in_place_and_cannot_remove_the_last_owner(
    live_server, sign_in, browser_page, main_menu
):
    call_command("seed_demo", stdout=StringIO())
    page = browser_page
    sign_in(page, "owner@harbour-light.example", password=DEMO_PASSWORD, practice_slug="harbour-light")
    nav = main_menu(page)
    nav.get_by_role("button", name="Manage").click()
    nav.get_by_role("link", name="Staff").click()

    theo = page.locator("tr", has_text="theo@harbour-light.example")
    page.get_by_label("Role of theo@harbour-light.example").select_option("front_desk")
    theo.get_by_role("button", name="Save role").click()
    theo.get_by_text("Saved").wait_for()  # swapped in place by htmx, no page load
    assert Membership.objects.get(user__email="theo@harbour-light.example").role == "front_desk"

    owner_row = page.locator("tr", has_text="owner@harbour-light.example")
    page.get_by_label("Role of owner@harbour-light.example").select_option("therapist")
    owner_row.get_by_role("button", name="Save role").click()
    owner_row.get_by_role("alert").wait_for()
    assert "at least one owner" in owner_row.get_by_role("alert").inner_text()
    assert Membership.objects.get(user__email="owner@harbour-light.example").role == "owner"
