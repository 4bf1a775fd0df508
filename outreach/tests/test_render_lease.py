"""A render holds its report by a lease that a heartbeat renews while it runs: a long render keeps
it, and a render that died with its worker is taken up again once one lease has passed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from outreach import reports
from outreach.models import ProgressReport
from outreach.reports import renders_waiting, report_render, report_sign
from outreach.tests.factories import draft_report
from outreach.tests.live import wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat writes on its own connection


def _lease(report) -> timezone.datetime:
    with scopes_disabled():
        return ProgressReport.objects.get(pk=report.pk).render_lease_until


@pytest.fixture
def signed(practice, therapist, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.REPORT_RENDER_LEASE_SECONDS = 1  # a heartbeat every quarter second
    report = draft_report(practice, therapist, visits=2)
    with scope(practice=practice):
        report_sign(report=report, actor=therapist)
    return report


def test_a_long_render_keeps_its_lease(signed, monkeypatch):
    render_pdf = reports.html_to_pdf

    def slow_render(html, *, on_step):
        claimed = _lease(signed)
        wait_for(lambda: _lease(signed) > claimed, timeout=5, message="the heartbeat renewed the lease", interval=0.05)
        return render_pdf(html, on_step=on_step)

    monkeypatch.setattr(reports, "html_to_pdf", slow_render)
    assert report_render(str(signed.pk), str(signed.practice_id)) == ProgressReport.Status.READY
    assert _lease(signed) is None  # given back when done


def test_a_render_whose_worker_died_is_taken_up_after_one_lease(signed):
    with scopes_disabled():
        ProgressReport.objects.filter(pk=signed.pk).update(
            status=ProgressReport.Status.RENDERING, render_lease_until=timezone.now() + timedelta(seconds=1)
        )
    assert (str(signed.pk), str(signed.practice_id)) not in renders_waiting()  # still held
    wait_for(
        lambda: (str(signed.pk), str(signed.practice_id)) in renders_waiting(),
        timeout=5,
        message="the lapsed render is waiting again",
        interval=0.1,
    )
    assert report_render(str(signed.pk), str(signed.practice_id)) == ProgressReport.Status.READY
