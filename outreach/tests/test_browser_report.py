"""A progress report end to end in real browsers: the therapist drafts it from the client's page,
edits and signs it, watches the page follow the PDF while it renders, and emails a secure link; the doctor
opens the link on a phone, asks for a one-time code, enters it and downloads the PDF; the staff
page then shows the download."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django_scopes import scope, scopes_disabled

from outreach.models import ProgressReport, ReportShare
from outreach.reports import report_render
from outreach.tests.factories import client_with_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/rb")
LINK = re.compile(r"https?://\S+/shared-reports/[\w-]+/[\w-]+/")
CODE = re.compile(r"one-time code is (\d{6})")


def _shot(page, name):
    """Screenshots only on request (REBOOK_SCREENSHOTS=1), so CI writes no files."""
    if os.environ.get("REBOOK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_a_report_is_drafted_signed_rendered_sent_and_downloaded_by_the_doctor(
    live_server, sign_in, browser, browser_page, therapist, practice, send_outbox, settings, tmp_path, assert_accessible
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # where the PDF is stored
    cache.clear()  # the shared page's rate limits count in the cache
    mail.outbox.clear()
    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist)
    staff = browser_page
    sign_in(staff, therapist.email, practice_slug=practice.slug)

    # Draft: from the client's page to the reports page, for the partner the client has released to.
    staff.goto(f"{live_server.url}/p/{practice.slug}/clients/{client.pk}/")
    staff.get_by_role("link", name="Progress reports").click()
    staff.get_by_label("Report to").select_option(label=str(partner))
    # The period defaults to the last 90 days, which holds the six weekly visits. ("To", not "Report to".)
    assert staff.get_by_role("textbox", name=re.compile(r"^From")).input_value()
    assert staff.get_by_role("textbox", name=re.compile(r"^To")).input_value()
    staff.get_by_role("button", name="Draft the report").click()
    staff.wait_for_url(re.compile(rf"/p/{practice.slug}/reports/[0-9a-f-]{{36}}/$"))
    report_id = staff.url.rstrip("/").rsplit("/", 1)[-1]
    assert "Draft ready" in staff.content()

    # The draft is assembled from the intake and notes; the therapist rewrites parts of it.
    assert "stiff neck after desk work" in staff.get_by_label("Presenting complaint").input_value()
    assert "Hypertonic upper trapezius" in staff.get_by_label("Findings").input_value()
    staff.get_by_label("Recommendations").fill("Continue weekly massage for four weeks, then review.")
    staff.get_by_role("button", name="Save the draft").click()
    staff.get_by_text("Draft saved.").wait_for()
    assert staff.get_by_label("Recommendations").input_value() == "Continue weekly massage for four weeks, then review."
    _shot(staff, "report-draft.png")
    assert_accessible(staff)

    # Sign (after the confirm dialog). No Celery worker runs here, so the report waits in the queue.
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_role("button", name="Sign and make the PDF").click()
    status = staff.locator("#report-status")
    status.get_by_text("Waiting to render").wait_for()
    assert status.get_by_role("progressbar", name="Rendering the PDF").get_attribute("value") == "15"
    _shot(staff, "report-queued.png")
    assert status.get_by_role("link", name="Download the PDF (to read, print or fax)").count() == 0
    assert staff.get_by_role("button", name="Email a secure link").is_disabled()  # nothing to send yet
    # Act as the worker, in this process; the page's 2 s htmx poll must pick the result up.
    assert report_render(report_id, str(practice.pk)) == ProgressReport.Status.READY
    status.get_by_role("link", name="Download the PDF (to read, print or fax)").wait_for(timeout=10_000)
    assert status.get_by_text("Ready", exact=True).is_visible()
    _shot(staff, "report-ready.png")

    # Once rendered, the poll reloads the page: the send button is enabled, the "being made" note gone.
    assert staff.get_by_text("The PDF is being made").count() == 0
    staff.get_by_role("button", name="Email a secure link").click()
    staff.get_by_text("A secure link is on its way to dr.okafor@quayside-chiro.example").wait_for()
    assert send_outbox() == ["sent"]
    email = mail.outbox[-1]
    assert email.to == ["dr.okafor@quayside-chiro.example"]
    assert "Abernathy" not in email.body  # the email itself carries no identity or health information
    # The link's host is settings.SITE_URL; keep its path and point it at the live server.
    link = live_server.url + urlsplit(LINK.search(email.body).group(0)).path

    # The doctor: another browser context (no staff cookies), on a phone.
    doctor_context = browser.new_context(viewport={"width": 390, "height": 844})
    doctor = doctor_context.new_page()
    doctor.set_default_timeout(15_000)
    doctor.goto(link)
    doctor.get_by_role("heading", name="Progress report from Harbour Test Massage").wait_for()
    assert_accessible(doctor)
    for identity in ("Jules", "Abernathy"):  # nothing about the client before the code
        assert identity not in doctor.content()
    # The page's own forms must pass Django's CSRF origin check from a real browser (the test client
    # sends no Origin header, so only a browser test catches a page whose POSTs are refused).
    with doctor.expect_response(lambda response: response.request.method == "POST") as asked:
        doctor.get_by_role("button", name="Email me a code").click()
    assert asked.value.status == 302, f"asking for a code was refused ({asked.value.status})"
    doctor.get_by_text("We have emailed you a code").wait_for()
    assert send_outbox() == ["sent"]
    assert mail.outbox[-1].to == ["dr.okafor@quayside-chiro.example"]
    code = CODE.search(mail.outbox[-1].body).group(1)
    doctor.get_by_label("Code from the email").fill(code)
    _shot(doctor, "doctor-code.png")
    doctor.get_by_role("button", name="Open the report").click()
    doctor.get_by_text("On Jules Abernathy, born 9 Mar 1984").wait_for()  # named once the code is in

    with doctor.expect_download() as info:
        doctor.get_by_role("link", name="Download PDF").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    _shot(doctor, "doctor-download.png")
    doctor_context.close()

    # The download is counted, and the staff see it on the report.
    with scopes_disabled():
        assert ReportShare.objects.get(report_id=report_id).download_count == 1
    staff.reload()
    assert "Downloaded 1×" in staff.locator("main").inner_text()
