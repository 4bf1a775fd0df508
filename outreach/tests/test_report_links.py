"""Sending a progress report: an email with no health information and a secure link; the partner
opens it with a one-time code sent to their address on file; every use is recorded."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from outreach.models import ReleaseAuthorisation, ReportShare, ShareAccess
from outreach.releases import release_revoke
from outreach.tests.factories import rendered_report
from practice.models import AuditEvent

LINK = re.compile(r"http://\S+/shared-reports/[\w-]+/([\w-]+)/")


@pytest.fixture(autouse=True)
def fresh_limits_and_media(settings, tmp_path):
    cache.clear()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _send(client_for, therapist, report, send_outbox) -> str:
    """Send the report from the staff page, deliver the email, return the link's path."""
    mail.outbox.clear()
    response = client_for(therapist).post(f"/p/{report.practice.slug}/reports/{report.pk}/send/")
    assert response.status_code == 302
    assert send_outbox() == ["sent"]
    body = mail.outbox[-1].body
    return LINK.search(body).group(0).split("8000", 1)[-1] if "8000" in body else LINK.search(body).group(0)


def _code(send_outbox) -> str:
    mail.outbox.clear()
    assert send_outbox() == ["sent"]
    return re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)


def _open(path, send_outbox, browser=None) -> Client:
    """A browser that opened the link and entered the emailed code."""
    browser = browser or Client()
    assert browser.post(path, {"action": "send_code"}).status_code == 302
    assert browser.post(path, {"action": "verify", "code": _code(send_outbox)}).status_code == 302
    return browser


def _events(share) -> list[str]:
    with scopes_disabled():
        return list(ShareAccess.objects.filter(share=share).order_by("at", "pk").values_list("event", flat=True))


def test_the_partner_opens_the_report_with_the_emailed_code_and_every_step_is_recorded(
    practice, therapist, client_for, send_outbox
):
    report = rendered_report(practice, therapist)
    path = _send(client_for, therapist, report, send_outbox)
    email = mail.outbox[-1]
    assert email.to == ["dr.okafor@quayside-chiro.example"]
    for health_or_identity in ("Jules", "Abernathy", "neck", "pain", "1984"):
        assert health_or_identity not in email.body and health_or_identity not in email.subject
    with scopes_disabled():
        share = ReportShare.objects.get(report=report)
        assert share.token_hash and share.token_hash not in email.body  # the row keeps a hash only
        assert path.rstrip("/").rsplit("/", 1)[-1] not in str(share.outbox_message.context)

    doctor = Client(HTTP_USER_AGENT="ClinicBrowser/1.0")
    page = doctor.get(path)
    assert page.status_code == 200 and b"Harbour Test Massage" in page.content and b"Jules" not in page.content
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "no-referrer"
    assert doctor.get(f"{path}pdf/").status_code == 302  # no code yet: back to the page

    doctor.post(path, {"action": "send_code"})
    code = _code(send_outbox)
    assert mail.outbox[-1].to == ["dr.okafor@quayside-chiro.example"] and code not in mail.outbox[-1].subject
    wrong = doctor.post(path, {"action": "verify", "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    assert doctor.post(path, {"action": "verify", "code": code}).status_code == 302
    opened = doctor.get(path).content.decode()
    assert "Download PDF" in opened and "On <strong>Jules Abernathy</strong>, born 9 Mar 1984" in opened
    pdf = doctor.get(f"{path}pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "no-store" in pdf["Cache-Control"] and pdf["Referrer-Policy"] == "no-referrer"
    assert "attachment" in pdf["Content-Disposition"]

    again = Client().post(path, {"action": "verify", "code": code})  # a code works once
    assert again.status_code == 400 and b"no code in force" in again.content
    with scopes_disabled():
        share.refresh_from_db()
        assert share.download_count == 1 and share.first_opened_at is not None
        download = ShareAccess.objects.get(share=share, event="download")
        assert download.user_agent == "ClinicBrowser/1.0" and download.ip_address == "127.0.0.1"
        audited = list(
            AuditEvent.objects.filter(record_id=str(report.pk), action="download").values_list("actor_label", flat=True)
        )
    assert audited == ["Quayside Chiropractic (report link)"]
    assert _events(share) == ["view", "refused", "code_sent", "code_wrong", "code_ok", "view", "download", "code_wrong"]
    staff_page = client_for(therapist).get(f"/p/{practice.slug}/reports/{report.pk}/")
    assert "Downloaded 1×" in staff_page.content.decode()


def test_tampered_other_practice_expired_and_revoked_links_open_nothing(
    practice, other_practice, therapist, client_for, send_outbox
):
    report = rendered_report(practice, therapist)
    path = _send(client_for, therapist, report, send_outbox)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    doctor = _open(path, send_outbox)
    assert doctor.get(path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    assert doctor.get(path.replace(practice.slug, other_practice.slug)).status_code == 404
    assert doctor.get(f"/shared-reports/{other_practice.slug}/{token}/pdf/").status_code == 404

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        expired = doctor.get(f"{path}pdf/")
        assert expired.status_code == 410 and b"expired" in expired.content
    with scopes_disabled():
        share = ReportShare.objects.get(report=report)
    revoke = client_for(therapist).post(f"/p/{practice.slug}/reports/{report.pk}/links/{share.pk}/revoke/")
    assert revoke.status_code == 302
    revoked = doctor.get(f"{path}pdf/")
    assert revoked.status_code == 410 and b"withdrawn" in revoked.content
    with scopes_disabled():
        assert ReportShare.objects.get(pk=share.pk).download_count == 0


def test_a_revoked_release_closes_links_already_sent_and_refuses_new_ones(practice, therapist, client_for, send_outbox):
    report = rendered_report(practice, therapist)
    path = _send(client_for, therapist, report, send_outbox)
    doctor = _open(path, send_outbox)
    with scope(practice=practice):
        release_revoke(release=ReleaseAuthorisation.objects.get(client=report.client), actor=therapist)
    assert doctor.get(f"{path}pdf/").status_code == 410
    refused = client_for(therapist).post(f"/p/{practice.slug}/reports/{report.pk}/send/", follow=True)
    assert "revoked their authorisation" in refused.content.decode()
    with scopes_disabled():
        assert ReportShare.objects.filter(report=report).count() == 1


@pytest.mark.parametrize("lapse, refusal", [("expired", "expired on"), ("missing", "has not authorised")])
def test_an_expired_or_missing_release_refuses_sending(practice, therapist, client_for, lapse, refusal):
    report = rendered_report(practice, therapist)
    with scopes_disabled():
        releases = ReleaseAuthorisation.objects.filter(client=report.client)
        if lapse == "expired":
            releases.update(expires_on=timezone.localdate(timezone=practice.zone) - timedelta(days=1))
        else:
            releases.delete()
    refused = client_for(therapist).post(f"/p/{practice.slug}/reports/{report.pk}/send/", follow=True)
    assert refusal in refused.content.decode()
    with scopes_disabled():
        assert not ReportShare.objects.filter(report=report).exists()


def test_a_link_queued_before_the_release_was_revoked_never_goes_out(practice, therapist, client_for, send_outbox):
    report = rendered_report(practice, therapist)
    client_for(therapist).post(f"/p/{practice.slug}/reports/{report.pk}/send/")
    with scope(practice=practice):
        release_revoke(release=ReleaseAuthorisation.objects.get(client=report.client), actor=therapist)
    mail.outbox.clear()
    assert send_outbox() == ["skipped"] and mail.outbox == []


def test_guessing_codes_is_limited(practice, therapist, client_for, send_outbox):
    report = rendered_report(practice, therapist)
    path = _send(client_for, therapist, report, send_outbox)
    guesser = Client()
    guesser.post(path, {"action": "send_code"})
    send_outbox()
    statuses = [guesser.post(path, {"action": "verify", "code": f"{n:06d}"}).status_code for n in range(6)]
    assert (
        statuses[-1] == 400 and b"Too many wrong codes" in guesser.post(path, {"action": "verify", "code": "1"}).content
    )
    throttled = [guesser.get(path).status_code for _ in range(20)]
    assert throttled[-1] == 429


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_are_counted_one_by_one_against_the_limit(practice, therapist, client_for, send_outbox):
    """Fourteen guesses at once, each from its own connection: exactly five are checked."""
    report = rendered_report(practice, therapist)
    path = _send(client_for, therapist, report, send_outbox)
    Client().post(path, {"action": "send_code"})
    send_outbox()
    start = threading.Barrier(14)

    def guess(n):
        try:
            start.wait(timeout=10)
            return Client().post(path, {"action": "verify", "code": f"{n:06d}"}).content
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=14) as pool:
        answers = list(pool.map(guess, range(14)))
    assert sum(b"That code is not right" in answer for answer in answers) == 5
    assert sum(b"Too many wrong codes" in answer for answer in answers) == 9
    with scopes_disabled():
        assert ReportShare.objects.get(report=report).code_failures == 5


def test_a_doctor_sees_their_other_valid_reports_from_any_of_their_links(practice, therapist, client_for, send_outbox):
    first = rendered_report(practice, therapist)
    second = rendered_report(
        practice,
        therapist,
        first_name="Robin",
        last_name="Sato",
        hour=14,
        partner_email="dr.okafor@quayside-chiro.example",
    )
    with scope(practice=practice):  # the second client's partner is the same doctor's practice
        ReleaseAuthorisation.objects.filter(client=second.client).update(partner=first.partner)
        second.partner = first.partner
        second.save(update_fields=["partner"])
    path = _send(client_for, therapist, first, send_outbox)
    _send(client_for, therapist, second, send_outbox)
    doctor = _open(path, send_outbox)
    page = doctor.get(path).content.decode()
    assert "Robin Sato" in page
    with scopes_disabled():
        second_share = ReportShare.objects.get(report=second)
    other = doctor.get(f"{path}pdf/{second_share.pk}/")
    assert other.status_code == 200 and other.content.startswith(b"%PDF")
    assert Client().get(f"{path}pdf/{second_share.pk}/").status_code == 302  # without the code: no
    with scopes_disabled():
        assert ReportShare.objects.get(pk=second_share.pk).download_count == 1


def test_staff_download_the_pdf_to_print_or_fax_and_it_is_audited(practice, therapist, front_desk, client_for):
    report = rendered_report(practice, therapist)
    url = f"/p/{practice.slug}/reports/{report.pk}/pdf/"
    response = client_for(therapist).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(front_desk).get(url).status_code == 403
    with scopes_disabled():
        assert AuditEvent.objects.filter(record_id=str(report.pk), action="download", actor=therapist).count() == 1
