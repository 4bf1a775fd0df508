"""A client fills in the self-service intake on a phone; the therapist then reads the answers on
the pre-session brief, on a tablet, without scrolling."""

import pytest
from django_scopes import scope

from clients.services import intake_link_send, intake_link_url
from clients.tests.factories import ClientFactory
from practice.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1024, "height": 768}}


def test_a_client_fills_the_intake_on_a_phone_and_the_therapist_reads_it_on_the_brief(
    live_server, browser, owner, therapist, practice, assert_accessible
):
    with scope(practice=practice):
        newcomer = ClientFactory(
            practice=practice,
            first_name="Quinn",
            last_name="Lockridge",
            email="quinn@clients.example",
            alerts="Latex allergy",
        )
        link = intake_link_send(client=newcomer, actor=owner)
    path = intake_link_url(link).split(":8000", 1)[1]

    phone = browser.new_page(**PHONE)
    phone.goto(f"{live_server.url}{path}")
    assert phone.get_by_role("heading", name="Hello Quinn").is_visible()
    assert_accessible(phone)
    phone.get_by_label("Pronouns").fill("they/them")
    phone.get_by_label("Allergies (including oils and lotions)").check()
    phone.get_by_label("Details").fill("Allergic to almond oil")
    phone.get_by_label("Neck").first.fill("7")
    phone.get_by_role("radio", name="Firm").check()
    phone.locator("#div_id_focus_areas").get_by_label("Shoulders").check()
    phone.locator("#div_id_avoid_areas").get_by_label("Feet").check()
    phone.get_by_role("radio", name="Quiet").check()
    phone.get_by_label("What would you like from your massages?").fill("Sleep through the night")
    phone.get_by_role("button", name="Send my answers").click()
    # The signature was forgotten: the page says so and keeps everything typed.
    assert phone.get_by_text("Please type your full name as your signature.").is_visible()
    assert phone.get_by_label("Details").input_value() == "Allergic to almond oil"
    phone.get_by_label("I consent to massage treatment").check()
    phone.get_by_label("Type your full name as your signature").fill("Quinn Lockridge")
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_role("heading", name="Thank you").wait_for()

    tablet = browser.new_page(**TABLET)
    tablet.goto(f"{live_server.url}/login/")
    tablet.get_by_label("Email").fill(therapist.email)
    tablet.get_by_label("Password").fill(PASSWORD)
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_url(f"{live_server.url}/p/{practice.slug}/")
    tablet.goto(f"{live_server.url}/p/{practice.slug}/clients/{newcomer.pk}/brief/")

    alerts = tablet.get_by_role("region", name="Alerts and cautions")
    assert "Latex allergy" in alerts.inner_text() and "Allergic to almond oil" in alerts.inner_text()
    brief = tablet.locator("article.brief").inner_text()
    for answer in ("Firm", "Quiet", "Neck 7", "Shoulders", "Feet", "Sleep through the night", "they/them"):
        assert answer in brief, answer
    fits = tablet.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert fits, "the brief must fit a tablet screen without scrolling"
