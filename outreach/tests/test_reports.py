"""Progress reports: drafted from signed notes, signed, rendered to PDF (WeasyPrint, in this
process here; outreach/tests/test_report_worker.py renders with a real worker)."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from outreach.models import ProgressReport, ReleaseAuthorisation
from outreach.pdf import open_private
from outreach.releases import release_revoke
from outreach.reports import default_period, report_create, report_render, report_save_draft, report_sign
from outreach.tests.factories import client_with_history, draft_report, rendered_report
from practice.models import AuditEvent
from sessions.models import SessionNote


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def _pdf_text(report) -> str:
    """The PDF's text with line breaks and runs of spaces made single spaces."""
    content = open_private(report.pdf_name, sha256=report.pdf_sha256)
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_draft_is_assembled_from_the_signed_notes_of_the_period(practice, therapist):
    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist, visits=6)
        visits = list(client.appointments.order_by("starts_at"))
        for visit, reason in zip(visits[:3], ("late", "client", "practice"), strict=True):
            visit.status, visit.cancel_reason = "cancelled", reason
            visit.save()
        SessionNote.objects.filter(visit=visits[3]).update(signed_at=None)  # a draft note is left out
        start, end = default_period(practice)
        report = report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
    assert report.facts["attendance"] == {
        "attended": 3,
        "cancelled": 1,
        "late_cancelled": 1,
        "no_show": 0,
        "upcoming": 0,
    }
    assert [visit["signed"] for visit in report.facts["visits"]] == [False, True, True]
    assert report.facts["pain_change"][0] == {"area": "Neck", "first": 4, "latest": 3}


def test_the_draft_narrative_comes_from_the_intake_and_the_notes(practice, therapist):
    report = draft_report(practice, therapist, visits=6)
    assert report.facts["attendance"]["attended"] == 6
    assert [row["area"] for row in report.facts["pain_change"]] == ["Neck", "Upper back"]
    assert report.facts["pain_change"][0] == {"area": "Neck", "first": 8, "latest": 3}
    assert "Jules's stiff neck after desk work" in report.presenting_complaint
    assert "Neck 8/10 at the first rated visit, 3/10 at the latest" in report.response
    assert "Doorway stretch daily" in report.recommendations
    assert "Hypertonic upper trapezius" in report.findings


def test_the_pdf_holds_this_clients_facts_and_nobody_elses(practice, other_practice, therapist):
    from practice.models import Membership

    with scope(practice=practice):  # another client of the same practice, with another partner
        client_with_history(
            practice,
            therapist,
            first_name="Morgan",
            last_name="Pellegrino",
            partner_email="other@elsewhere.example",
            hour=14,
        )
    with scope(practice=other_practice):
        Membership.objects.create(practice=other_practice, user=therapist, role=Membership.Role.THERAPIST)
        client_with_history(other_practice, therapist, first_name="Casey", last_name="Lindqvist")
    report = rendered_report(practice, therapist, visits=5)
    text = _pdf_text(report)
    for fact in (
        "Harbour Test Massage",
        "Progress report",
        "Jules Abernathy",
        "9 Mar 1984",
        "Dr. Ada Okafor",
        "Quayside Chiropractic",
        "5 visits attended",
        "Neck: 8/10 at the first rated visit, 4/10 at the latest",
        "Page 1 of",
        "Confidential health information",
    ):
        assert fact in text, fact
    # Surnames, not first names: the therapist's name is random and may be a Morgan or a Casey.
    for stranger in ("Pellegrino", "Lindqvist", "Elsewhere"):
        assert stranger not in text
    assert report.pdf_pages >= 1 and len(report.pdf_sha256) == 64


def test_note_text_is_escaped_and_local_files_are_never_embedded(practice, therapist):
    hostile = (
        '<a rel="attachment" href="file:///etc/hostname">host</a> <img src="file:///etc/passwd"> '
        '<link rel="attachment" href="file:///etc/hostname">'
    )
    report = draft_report(practice, therapist, extra_note=hostile)
    with scope(practice=practice):
        report_save_draft(report=report, fields={"plan": f"Plan {hostile}"})
        report_sign(report=report, actor=therapist)
    report_render(str(report.pk), str(report.practice_id))
    with scope(practice=practice):
        report.refresh_from_db()
    reader = PdfReader(io.BytesIO(open_private(report.pdf_name, sha256=report.pdf_sha256)))
    assert reader.attachments == {}
    assert not any(page.images for page in reader.pages)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert '<img src="file:///etc/passwd">' in text  # shown as the text it is
    with open("/etc/hostname") as file:
        hostname = file.read().strip()
    assert hostname not in text.replace('href="file:///etc/hostname"', "")


def test_the_fetcher_refuses_everything_but_rebooks_static_files(tmp_path):
    from outreach.pdf import STATIC_ORIGIN, RefusedResource, StaticOnlyFetcher, html_to_pdf

    fetcher = StaticOnlyFetcher()
    assert b"Progress-report PDFs" in fetcher.fetch(f"{STATIC_ORIGIN}/static/css/report.css").read()
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-embed-me")
    for url in (
        secret.as_uri(),
        "file:///etc/hostname",
        f"{STATIC_ORIGIN}/static/../../config/settings/base.py",
        f"{STATIC_ORIGIN}/static/%2e%2e/%2e%2e/manage.py",
        "http://127.0.0.1:8000/static/css/report.css",
        "data:text/plain,hello",
        f"{STATIC_ORIGIN}/media/anything",
    ):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)
    # Unescaped HTML that asks for local files gets none of them, even bypassing the template.
    pdf = html_to_pdf(
        f'<p>x</p><img src="{secret.as_uri()}"><a rel="attachment" href="{secret.as_uri()}">a</a>'
        f'<link rel="attachment" href="{secret.as_uri()}">'
    )
    reader = PdfReader(io.BytesIO(pdf.content))
    assert reader.attachments == {} and not reader.pages[0].images
    assert b"do-not-embed-me" not in pdf.content


def test_the_pdf_renders_to_png_with_pdftoppm(practice, therapist, tmp_path, require_program):
    require_program("pdftoppm", "poppler-utils")
    report = rendered_report(practice, therapist, visits=8)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(open_private(report.pdf_name, sha256=report.pdf_sha256))
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == report.pdf_pages
    assert all(page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 5000 for page in pages)


def test_a_missing_expired_or_revoked_release_refuses_creation_and_signing(practice, therapist):
    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist)
        start, end = default_period(practice)
        release = ReleaseAuthorisation.objects.get(client=client, partner=partner)
        report = report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        release_revoke(release=release, actor=therapist)
        with pytest.raises(ValidationError, match="revoked their authorisation"):
            report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        with pytest.raises(ValidationError, match="revoked their authorisation"):
            report_sign(report=report, actor=therapist)
        ReleaseAuthorisation.objects.filter(pk=release.pk).update(revoked_at=None, expires_on=end - timedelta(days=1))
        with pytest.raises(ValidationError, match="expired"):
            report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        ReleaseAuthorisation.objects.filter(pk=release.pk).delete()
        with pytest.raises(ValidationError, match="has not authorised"):
            report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        assert ProgressReport.objects.count() == 1


def test_a_signed_report_is_final_and_signing_is_audited(practice, therapist):
    report = draft_report(practice, therapist)
    with scope(practice=practice):
        report_save_draft(report=report, fields={"response": ""})
        with pytest.raises(ValidationError, match="response to treatment"):
            report_sign(report=report, actor=therapist)
        report_save_draft(report=report, fields={"response": "Much easier to turn the head."})
        report_sign(report=report, actor=therapist)
        assert report.status == ProgressReport.Status.QUEUED
        with pytest.raises(ValidationError, match="signed and cannot be changed"):
            report_save_draft(report=report, fields={"plan": "changed"})
    with scopes_disabled():
        assert set(AuditEvent.objects.filter(record_id=str(report.pk)).values_list("action", flat=True)) == {
            "create",
            "sign",
        }


def test_a_period_must_be_in_order_and_not_in_the_future(practice, therapist):
    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist)
        today = timezone.localdate(timezone=practice.zone)
        for start, end, message in (
            (today, today - timedelta(days=1), "end on or after"),
            (today, today + timedelta(days=1), "future"),
            (today - timedelta(days=900), today, "two years"),
        ):
            with pytest.raises(ValidationError, match=message):
                report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)


def test_erasing_the_client_deletes_their_report_pdfs(
    practice, owner, therapist, settings, django_capture_on_commit_callbacks
):
    from clients.services import client_erase

    report = rendered_report(practice, therapist)
    stored = settings.PRIVATE_MEDIA_ROOT / report.pdf_name
    assert stored.exists()
    with scope(practice=practice), django_capture_on_commit_callbacks(execute=True):
        client_erase(client=report.client, actor=owner)
    assert not stored.exists()
    with scopes_disabled():
        assert not ProgressReport.objects.filter(pk=report.pk).exists()


def test_the_practice_logo_is_the_one_image_in_the_letterhead(practice, therapist):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (47, 111, 104)).save(buffer, format="PNG")
    practice.logo_png = buffer.getvalue()
    practice.save(update_fields=["logo_png"])
    report = rendered_report(practice, therapist, extra_note='<img src="file:///etc/passwd">')
    reader = PdfReader(io.BytesIO(open_private(report.pdf_name, sha256=report.pdf_sha256)))
    # WeasyPrint shares image resources between pages: count the distinct images, by their pixels.
    images = {image.data for page in reader.pages for image in page.images}
    assert len(images) == 1 and reader.pages[0].images[0].image.size == (300, 100)


def test_the_render_progress_is_a_progress_element_that_moves_with_each_step(practice, therapist, client_for):
    report = draft_report(practice, therapist)
    with scope(practice=practice):
        ProgressReport.objects.filter(pk=report.pk).update(status="queued")
    status_url = f"/p/{practice.slug}/reports/{report.pk}/status/"
    as_therapist = client_for(therapist)
    seen = []
    for status, step in (("queued", ""), ("rendering", "Laying out pages"), ("rendering", "Storing the PDF")):
        with scope(practice=practice):
            ProgressReport.objects.filter(pk=report.pk).update(status=status, render_step=step)
        html = as_therapist.get(status_url).content.decode()
        assert "style=" not in html
        seen.append(re.search(r'<progress class="render-progress" max="100" value="(\d+)"', html).group(1))
    assert seen == ["15", "45", "90"]
