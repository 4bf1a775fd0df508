"""A therapist on a tablet: today's list, the brief, a note with the body chart, signed and locked."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

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
    page.go_back()
    row.get_by_role("link", name="Note").click()

    page.get_by_label("What the client reports").fill("Tight between the shoulder blades")
    page.get_by_label("Neck", exact=True).first.fill("5")
    page.get_by_role("radio", name="Firm").check()
    page.locator(".body-chart svg").first.locator('[data-area="shoulders"]').click()  # the body chart
    page.locator(".body-chart svg").nth(1).locator('[data-area="upper_back"]').click()
    assert page.locator("#areas-list").get_by_label("Shoulders").is_checked()
    assert page.locator("#areas-list").get_by_label("Upper back").is_checked()
    # The htmx autosave that carries the last words typed (and so the areas too) has been answered: an
    # earlier save's "Draft saved" may still be showing while this one is on its way.
    with page.expect_response(
        lambda response: "/autosave" in response.url and "Released well" in unquote(response.request.post_data or "")
    ) as saved:
        page.get_by_label("How the client responded").fill("Released well")
    assert saved.value.ok
    page.locator("#autosave-status").get_by_text("Draft saved").wait_for()
    with scopes_disabled():
        assert SessionNote.objects.get(visit=visit).areas_worked == ["shoulders", "upper_back"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign the note").click()
    page.get_by_text("It can no longer be edited").wait_for()
    assert "Tight between the shoulder blades" in page.content()
    assert "Shoulders, Upper back" in page.content() and "Neck 5" in page.content()  # labels, not keys

    page.goto(f"{live_server.url}/p/{practice.slug}/appointments/{visit.pk}/note/edit/")
    assert page.url.endswith("/note/")  # the editor is gone: the record shows instead
    assert page.get_by_role("textbox", name="What the client reports").count() == 0
    with scopes_disabled():
        note = SessionNote.objects.get(visit=visit)
    assert note.is_signed and note.subjective == "Tight between the shoulder blades"
