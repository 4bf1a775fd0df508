"""A therapist on a tablet: today's list, the brief, a note with the body chart, signed and locked."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from sessions.models import Appointment, SessionNote
from sessions.tests.factories import ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_therapist_writes_and_signs_a_note_on_a_tablet(
    live_server, sign_in, browser_page, therapist, practice, main_menu
):
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    with scope(practice=practice):
        client = ClientFactory(practice=practice, first_name="Gale", last_name="Merriweather", alerts="Latex allergy")
        intake_record(
            client=client, source="client_link", answers=intake_answers(pressure="firm", conversation="quiet")
        )
        visit = Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=ServiceFactory(practice=practice, name="Deep tissue"),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            blocked_until=starts + timedelta(hours=1),
        )
    page = browser_page
    sign_in(page, therapist.email, practice_slug=practice.slug)

    main_menu(page).get_by_role("link", name="My day").click()
    row = page.locator(".list-group-item", has_text="Gale Merriweather")
    row.get_by_role("link", name="Brief").click()
    brief = page.locator("article.brief").inner_text()
    assert "Latex allergy" in brief and "Firm" in brief and "Quiet" in brief
    page.get_by_role("link", name="Start note").click()  # the note of this visit, from the brief
    page.wait_for_url(f"**/appointments/{visit.pk}/note/edit/")
    expect(page.get_by_role("region", name="Alerts and cautions")).to_contain_text("Latex allergy")

    page.get_by_label("What the client reports").fill("Tight between the shoulder blades")
    page.get_by_label("Neck", exact=True).first.fill("5")
    page.get_by_role("radio", name="Firm").check()
    front, back = page.locator(".body-chart svg").first, page.locator(".body-chart svg").nth(1)
    # Seen from the front, the client's left shoulder is on the viewer's right.
    left_shoulder = front.locator('[data-area="shoulder_left"]')
    assert left_shoulder.bounding_box()["x"] > front.locator('[data-area="shoulder_right"]').bounding_box()["x"]
    left_shoulder.click()  # the body chart
    back.locator('[data-area="upper_back_right"]').click()
    areas = page.locator("#areas-list")
    assert areas.get_by_label("Left shoulder").is_checked() and not areas.get_by_label("Right shoulder").is_checked()
    assert areas.get_by_label("Right upper back").is_checked()
    expect(left_shoulder).to_have_class("area on")
    # The autosave that carries the last words typed (and so the areas too) has been answered: an
    # earlier save's "Draft saved" may still be showing while this one is on its way.
    with page.expect_response(
        lambda response: "/autosave" in response.url and "Released well" in unquote(response.request.post_data or "")
    ) as saved:
        page.get_by_label("How the client responded").fill("Released well")
    assert saved.value.ok
    page.locator("#autosave-status").get_by_text("Draft saved").wait_for()
    with scopes_disabled():
        assert SessionNote.objects.get(visit=visit).areas_worked == ["shoulder_left", "upper_back_right"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign the note").click()
    # Gale came for the neck, which the chart does not mark: said before the note is signed.
    wishes = page.get_by_role("region", name="Against Gale's wishes")
    expect(wishes).to_contain_text("None of the areas Gale asked to focus on (neck) is marked as worked.")
    wishes.get_by_role("button", name="Sign anyway").click()
    page.get_by_text("It can no longer be edited").wait_for()
    assert "Tight between the shoulder blades" in page.content()
    assert "Left shoulder, Right upper back" in page.content() and "Neck 5" in page.content()  # labels, not keys

    page.goto(f"{live_server.url}/p/{practice.slug}/appointments/{visit.pk}/note/edit/")
    assert page.url.endswith("/note/")  # the editor is gone: the record shows instead
    assert page.get_by_role("textbox", name="What the client reports").count() == 0
    with scopes_disabled():
        note = SessionNote.objects.get(visit=visit)
    assert note.is_signed and note.subjective == "Tight between the shoulder blades"


def test_an_autosave_that_fails_says_so_keeps_trying_and_saves_when_back_online(
    live_server, sign_in, browser, browser_page, therapist, practice
):
    starts = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    with scope(practice=practice):
        visit = Appointment.objects.create(
            practice=practice,
            client=ClientFactory(practice=practice, first_name="Rowan"),
            therapist=therapist,
            service=ServiceFactory(practice=practice),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            blocked_until=starts + timedelta(hours=1),
        )

    def saved_subjective():
        with scopes_disabled():
            return SessionNote.objects.get(visit=visit).subjective

    page = browser_page
    sign_in(page, therapist.email, practice_slug=practice.slug)
    page.goto(f"{live_server.url}/p/{practice.slug}/appointments/{visit.pk}/note/edit/")
    status = page.locator("#autosave-status")
    assert status.get_attribute("aria-live") == "polite"
    reports = page.get_by_label("What the client reports")
    reports.fill("Sore left shoulder")
    status.get_by_text("Draft saved").wait_for()

    page.context.set_offline(True)  # the tablet loses the wi-fi mid-sentence
    reports.fill("Sore left shoulder, worse when reaching up")

    def alert_saying(text):  # waits as long as the page's other steps (expect's own 5 s is short under load)
        return status.get_by_role("alert").filter(has_text=text)

    alert_saying("Not saved: no connection").wait_for()
    assert "kept on this device" in alert_saying("Not saved").inner_text()
    assert saved_subjective() == "Sore left shoulder"
    page.get_by_role("button", name="Save draft").click()  # nothing is sent, nothing is lost
    alert_saying("nothing was sent").wait_for()
    assert reports.input_value() == "Sore left shoulder, worse when reaching up"

    page.context.set_offline(False)  # back: saved at once, not at the next keystroke
    status.get_by_text("Draft saved").wait_for()
    assert saved_subjective() == "Sore left shoulder, worse when reaching up"

    # The server fails once: the page says so, and the retry a moment later saves.
    failures = []

    def fail_once(route):
        if failures:
            route.continue_()
        else:
            failures.append(route.request.url)
            route.fulfill(status=500, body="Server error")

    page.route(f"**/appointments/{visit.pk}/note/autosave/", fail_once)
    reports.fill("Sore left shoulder; eased after stretching")
    alert_saying("the server answered with an error (500)").wait_for()
    status.get_by_text("Draft saved").wait_for()
    assert len(failures) == 1 and saved_subjective() == "Sore left shoulder; eased after stretching"
    page.reload()  # what the server has is what was typed
    assert page.get_by_label("What the client reports").input_value() == "Sore left shoulder; eased after stretching"
    # Chromium reports the failed requests in the console: these, made on purpose, are expected.
    browser.allow("net::ERR_INTERNET_DISCONNECTED", "status of 500")
