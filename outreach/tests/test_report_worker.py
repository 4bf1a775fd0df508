"""A progress report end to end with real peers: a Celery worker process renders the PDF with
WeasyPrint into private storage, the outbox delivers the link and the one-time code to an SMTP
server on loopback, and the partner downloads exactly the bytes the worker stored."""

import hashlib
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django_scopes import scope, scopes_disabled

from outreach.models import OutboxMessage, ProgressReport, ReportShare
from outreach.reports import report_sign
from outreach.tests.factories import draft_report
from outreach.tests.live import SmtpSink, tick, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _publish_render(broker_url, report):
    """What signing asks for after commit, sent to the test's own broker."""
    from config.celery_app import app
    from outreach.tasks import render_progress_report

    with app.connection_for_write(broker_url) as connection:
        args = [str(report.pk), str(report.practice_id)]
        render_progress_report.apply_async(args=args, connection=connection, retry=False)


def _all_sent() -> bool:
    """The worker commits a message's outcome (and the token or code hash it minted) just after
    the SMTP server accepted it; the partner's next step needs that commit."""
    with scopes_disabled():
        return not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()


def _report(report_id) -> ProgressReport:
    with scopes_disabled():
        return ProgressReport.objects.get(pk=report_id)


def test_a_worker_renders_the_report_and_the_partner_downloads_it(
    practice, therapist, client_for, redis, smtp, workers, settings, tmp_path
):
    cache.clear()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # the worker gets the same folder
    report = draft_report(practice, therapist, visits=8)
    with scope(practice=practice):
        report_sign(report=report, actor=therapist)
    assert _report(report.pk).status == ProgressReport.Status.QUEUED
    workers.start()
    _publish_render(redis.url, report)
    steps = set()

    def rendered():
        current = _report(report.pk)
        steps.add(current.render_step)
        return current.status in (ProgressReport.Status.READY, ProgressReport.Status.FAILED)

    wait_for(rendered, timeout=60, message="the worker rendered the report", interval=0.02)
    report = _report(report.pk)
    assert report.status == ProgressReport.Status.READY, report.render_error
    stored = (settings.PRIVATE_MEDIA_ROOT / report.pdf_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == report.pdf_sha256 and stored.startswith(b"%PDF")
    assert report.render_attempts == 1 and steps  # the screen had steps to show while it rendered

    assert client_for(therapist).post(f"/p/{practice.slug}/reports/{report.pk}/send/").status_code == 302
    tick(redis.url)
    wait_for(lambda: len(smtp.messages) == 1 and _all_sent(), timeout=30, message="the link email arrived")
    link_email = SmtpSink.text_of(smtp.messages[0])
    assert smtp.messages[0]["To"] == "dr.okafor@quayside-chiro.example" and "Abernathy" not in link_email
    path = re.search(r"/shared-reports/\S+/", link_email).group(0)

    doctor = Client()
    assert doctor.get(path).status_code == 200
    doctor.post(path, {"action": "send_code"})
    tick(redis.url)  # the page asked for an early dispatch on the app's broker; the test's is private
    wait_for(lambda: len(smtp.messages) == 2 and _all_sent(), timeout=30, message="the code email arrived")
    code = re.search(r"code is (\d{6})", SmtpSink.text_of(smtp.messages[1])).group(1)
    assert doctor.post(path, {"action": "verify", "code": code}).status_code == 302
    pdf = doctor.get(f"{path}pdf/")
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == report.pdf_sha256
    with scopes_disabled():
        share = ReportShare.objects.get(report=report)
    assert share.download_count == 1 and share.outbox_message.status == "sent"
    assert share.outbox_message.context == {}  # nothing of the link stays in the outbox
