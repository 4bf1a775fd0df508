"""Break glass in a real browser: in a practice that keeps therapists to their own clients' records, a
therapist opens a client they have never seen, is refused with the reason why, states why they need
the record, and reads it under emergency access; the owner then finds it in the audit log, with the
reason and each page read."""

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from outreach.tests.factories import client_with_history
from practice.models import Membership, Practice
from practice.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Covering for Ines today: the client is on my table at two and her notes are needed."


def test_a_therapist_breaks_the_glass_and_the_owner_sees_it_in_the_audit_log(
    live_server, sign_in, browser, practice, owner, therapist
):
    colleague = MembershipFactory(
        practice=practice, role=Membership.Role.THERAPIST, user__email="ines@harbour-test.example"
    ).user
    with scope(practice=practice):
        client, _ = client_with_history(practice, colleague, visits=2)
    Practice.objects.filter(pk=practice.pk).update(therapist_note_access=Practice.NoteAccess.OWN_CLIENTS)

    # The therapist has never seen Jules: the page keeps the record closed and says why.
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(15_000)
    sign_in(page, therapist.email, practice_slug=practice.slug)
    page.goto(f"{live_server.url}/p/{practice.slug}/clients/{client.pk}/")
    expect(page.get_by_role("note").filter(has_text="are not shown to you")).to_be_visible()
    expect(page.get_by_text("tolerated firm pressure well")).to_have_count(0)
    page.get_by_role("link", name="Read the intake").click()
    expect(page.get_by_role("heading", name=f"{client} is not one of your clients")).to_be_visible()

    # A sentence (the server checks it is one: test_record_access) opens the record.
    page.get_by_label("Why do you need this record now?").fill(REASON)
    page.get_by_role("button", name="Open the record under emergency access").click()
    expect(page.get_by_role("heading", name=f"Intake of {client}")).to_be_visible()
    banner = page.get_by_role("status").filter(has_text="Emergency access")
    expect(banner).to_contain_text(f"to {client} until")
    expect(banner).to_contain_text("The practice's owners have been told")
    expect(page.get_by_text("Stiff neck").first).to_be_visible()

    # The owner reads it in the audit log: who, whose record, why, and the page read.
    owner_page = browser.new_page(viewport={"width": 1280, "height": 900})
    owner_page.set_default_timeout(15_000)
    sign_in(owner_page, owner.email, practice_slug=practice.slug)
    owner_page.goto(f"{live_server.url}/p/{practice.slug}/audit/")
    owner_page.get_by_label("Action").select_option(label="Emergency access")
    owner_page.get_by_role("button", name="Filter").click()
    rows = owner_page.get_by_role("region", name="Audit events").get_by_role("row")
    expect(rows.filter(has_text=REASON)).to_have_count(1)
    expect(rows.filter(has_text=REASON)).to_contain_text(str(therapist))
    expect(rows.filter(has_text="read clients:intake-detail under emergency access")).to_contain_text(str(client))
