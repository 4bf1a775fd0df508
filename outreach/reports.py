"""Progress reports for referring partners: drafted from the client's signed notes, edited and
signed by the therapist, rendered to PDF by a worker. Nothing here runs without the client's valid
release for that partner. Call inside the practice's scope (the worker enters it itself)."""

import logging
import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_scopes import scope, scopes_disabled

from clients.models import Client, area_label
from clients.selectors import latest_intake
from practice.audit import Action, audit_record
from practice.models import Practice
from practice.tenancy import across_practices
from sessions import charts
from sessions.models import Appointment, SessionNote
from sessions.notes import active_plan

from .models import ProgressReport
from .pdf import html_to_pdf, logo_data_uri, private_storage, store_private
from .releases import release_refusal

logger = logging.getLogger(__name__)
Status = ProgressReport.Status

DEFAULT_PERIOD_DAYS = 90
LONGEST_PERIOD_DAYS = 2 * 366
RENDER_MAX_ATTEMPTS = 3


def default_period(practice) -> tuple[date, date]:
    today = timezone.localdate(timezone=practice.zone)
    return today - timedelta(days=DEFAULT_PERIOD_DAYS), today


# --- Drafting -----------------------------------------------------------------------------------


def _check_period(practice, start: date, end: date) -> None:
    if end < start:
        raise ValidationError("The period must end on or after the day it starts.")
    if end > timezone.localdate(timezone=practice.zone):
        raise ValidationError("The period cannot end in the future.")
    if (end - start).days > LONGEST_PERIOD_DAYS:
        raise ValidationError("A report covers two years at most; choose a shorter period.")


def _period_bounds(practice, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last local days as an aware [from, to) range in the practice's zone."""
    return (
        datetime.combine(start, time.min, tzinfo=practice.zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=practice.zone),
    )


def _visits_in(client: Client, start: date, end: date):
    since, until = _period_bounds(client.practice, start, end)
    return (
        Appointment.objects.filter(practice=client.practice, client=client, starts_at__gte=since, starts_at__lt=until)
        .select_related("service", "note")
        .order_by("starts_at")
    )


def gather_facts(*, client: Client, start: date, end: date) -> dict:
    """What the signed notes and the calendar say about the period, as JSON for the report."""
    zone = client.practice.zone
    attendance = {"attended": 0, "cancelled": 0, "late_cancelled": 0, "no_show": 0, "upcoming": 0}
    visits, labels, ratings = [], [], []
    for visit in _visits_in(client, start, end):
        if visit.status == Appointment.Status.COMPLETED:
            attendance["attended"] += 1
        elif visit.status == Appointment.Status.NO_SHOW:
            attendance["no_show"] += 1
        elif visit.status == Appointment.Status.CANCELLED:
            if visit.cancel_reason == Appointment.CancelReason.PRACTICE:
                continue  # the practice's own cancellation says nothing about the client
            late = visit.cancel_reason == Appointment.CancelReason.LATE
            attendance["late_cancelled" if late else "cancelled"] += 1
        else:
            attendance["upcoming"] += 1
        if visit.status != Appointment.Status.COMPLETED:
            continue
        note = getattr(visit, "note", None)
        signed = note if note is not None and note.is_signed else None
        day = visit.starts_at.astimezone(zone)
        visits.append(
            {
                "date": day.date().isoformat(),
                "label": f"{day:%d %b %Y}",
                "service": visit.service.name,
                "minutes": (
                    signed.duration_minutes if signed and signed.duration_minutes else visit.service.duration_minutes
                ),
                "pressure": signed.get_pressure_used_display() if signed else "",
                "areas": [area_label(area) for area in signed.areas_worked] if signed else [],
                "signed": signed is not None,
            }
        )
        if signed and signed.pain_ratings:
            labels.append(f"{day:%d %b}")
            ratings.append({area: int(value) for area, value in signed.pain_ratings.items()})
    return {
        "visits": visits,
        "attendance": attendance,
        "pain": {"labels": labels, "ratings": ratings},
        "pain_change": _pain_change(ratings),
    }


def _pain_change(ratings: list[dict]) -> list[dict]:
    """Per body area: the first and the latest rating in the period."""
    first, latest = {}, {}
    for rated in ratings:
        for area, value in rated.items():
            first.setdefault(area, value)
            latest[area] = value
    return [{"area": area_label(area), "first": first[area], "latest": latest[area]} for area in sorted(first)]


def _signed_notes(client: Client, start: date, end: date) -> list[SessionNote]:
    since, until = _period_bounds(client.practice, start, end)
    return list(
        SessionNote.objects.filter(
            practice=client.practice,
            client=client,
            signed_at__isnull=False,
            visit__starts_at__gte=since,
            visit__starts_at__lt=until,
        )
        .select_related("visit")
        .order_by("visit__starts_at")
    )


def _lines(*pairs) -> str:
    return "\n".join(f"{label}: {text.strip()}" if label else text.strip() for label, text in pairs if text.strip())


def draft_narrative(*, client: Client, facts: dict, notes: list[SessionNote]) -> dict:
    """A first draft of each narrative section from the intake and the signed notes; the
    therapist rewrites it in their own words before signing."""
    intake = latest_intake(client=client)
    first, last = (notes[0], notes[-1]) if notes else (None, None)
    changes = "; ".join(
        f"{row['area']} {row['first']}/10 at the first rated visit, {row['latest']}/10 at the latest"
        for row in facts["pain_change"]
    )
    plan = active_plan(client=client)
    return {
        "presenting_complaint": _lines(
            ("Reason for visit", intake.reason_for_visit if intake else ""),
            ("Goals", intake.goals if intake else ""),
            ("At the first visit of the period", first.subjective if first else ""),
        ),
        "findings": _lines(
            ("Tissue", last.tissue_quality if last else ""),
            ("Trigger points", last.trigger_points if last else ""),
            ("Range of motion", last.range_of_motion if last else ""),
            ("Posture", last.posture if last else ""),
        ),
        "response": _lines(("Pain", changes), ("", last.assessment if last else "")),
        "plan": _lines(
            ("Plan of care", f"{plan.phase}: {plan.rhythm}" if plan else ""),
            ("Goals of the plan", plan.goals if plan else ""),
            ("Focus next time", last.plan_focus if last else ""),
        ),
        "recommendations": _lines(
            ("Home care", last.home_care if last else ""),
            ("Next visit", f"in {last.plan_interval_days} days" if last and last.plan_interval_days else ""),
        ),
    }


def _refuse_without_release(client: Client, partner) -> None:
    refusal = release_refusal(client=client, partner=partner)
    if refusal:
        raise ValidationError(refusal)


def report_create(
    *, client: Client, partner, period_start: date, period_end: date, actor, ip_address=None
) -> ProgressReport:
    """A draft report, assembled from the signed notes of the period."""
    if partner.practice_id != client.practice_id:
        raise ValidationError("That partner belongs to another practice.")
    _refuse_without_release(client, partner)
    _check_period(client.practice, period_start, period_end)
    facts = gather_facts(client=client, start=period_start, end=period_end)
    narrative = draft_narrative(client=client, facts=facts, notes=_signed_notes(client, period_start, period_end))
    report = ProgressReport.objects.create(
        practice=client.practice,
        client=client,
        partner=partner,
        period_start=period_start,
        period_end=period_end,
        facts=facts,
        created_by=actor,
        **narrative,
    )
    audit_record(
        practice=client.practice,
        actor=actor,
        action=Action.CREATE,
        record=report,
        label=f"{client} · progress report",
        detail=f"drafted for {partner}",
        ip_address=ip_address,
    )
    return report


def report_save_draft(*, report: ProgressReport, fields: dict) -> ProgressReport:
    if report.is_signed:
        raise ValidationError("This report is signed and cannot be changed. Draft a new one instead.")
    for name in ProgressReport.NARRATIVE:
        if name in fields:
            setattr(report, name, fields[name].strip())
    report.save()
    return report


def report_sign(*, report: ProgressReport, actor, ip_address=None) -> ProgressReport:
    """Sign the report: its narrative and facts are final, and the PDF is queued."""
    if report.is_signed:
        raise ValidationError("This report is already signed.")
    _refuse_without_release(report.client, report.partner)
    missing = [
        ProgressReport._meta.get_field(name).verbose_name
        for name in ("presenting_complaint", "response", "plan")
        if not getattr(report, name).strip()
    ]
    if missing:
        raise ValidationError(f"Before signing, write the {', the '.join(missing)}.")
    report.facts = gather_facts(client=report.client, start=report.period_start, end=report.period_end)
    report.signed_at = timezone.now()
    report.signed_by = actor
    report.signed_by_name = actor.get_full_name() or actor.email
    report.save()
    audit_record(
        practice=report.practice,
        actor=actor,
        action=Action.SIGN,
        record=report,
        label=f"{report.client} · progress report",
        ip_address=ip_address,
    )
    return report_request_render(report=report)


# --- Rendering ----------------------------------------------------------------------------------


def report_request_render(*, report: ProgressReport) -> ProgressReport:
    """Queue the PDF (again, after a failure). A worker is asked right after commit; if the broker
    cannot be reached, the minutely sweep (renders_waiting) finds the queued row."""
    if not report.is_signed:
        raise ValidationError("Sign the report first; only signed reports become PDFs.")
    if report.is_rendering:
        return report
    report.status = Status.QUEUED
    report.render_step = "Waiting for a worker"
    report.render_error = ""
    report.render_attempts = 0
    report.save(update_fields=["status", "render_step", "render_error", "render_attempts", "updated_at"])
    report_id, practice_id = str(report.pk), str(report.practice_id)

    def publish():
        try:
            current_app.send_task("outreach.tasks.render_progress_report", args=[report_id, practice_id])
        except Exception as error:
            logger.warning("could not queue report %s now; the sweep will: %r", report_id, error)

    transaction.on_commit(publish)
    return report


def renders_waiting() -> list[tuple[str, str]]:
    """(report id, practice id) of reports queued a while ago or whose render lapsed with its
    worker: what the minutely sweep hands to workers."""
    now = timezone.now()
    with scopes_disabled(), across_practices("the render sweep finds reports whose render was lost"):
        waiting = ProgressReport.objects.filter(
            Q(status=Status.QUEUED, updated_at__lte=now - timedelta(seconds=30))
            | Q(status=Status.RENDERING, render_lease_until__lte=now)
        )
        return [(str(pk), str(practice_id)) for pk, practice_id in waiting.values_list("pk", "practice_id")[:100]]


def _claim_render(report_id: str) -> ProgressReport | None:
    """Take the report for rendering, unless another worker has it or it is not waiting."""
    now = timezone.now()
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update(skip_locked=True)
            .filter(Q(status=Status.QUEUED) | Q(status=Status.RENDERING, render_lease_until__lte=now), pk=report_id)
            .first()
        )
        if report is None:
            return None
        if report.render_attempts >= RENDER_MAX_ATTEMPTS:
            report.status = Status.FAILED
            report.render_error = f"Gave up after {RENDER_MAX_ATTEMPTS} attempts that did not finish."
            report.save(update_fields=["status", "render_error", "updated_at"])
            return None
        report.status = Status.RENDERING
        report.render_attempts += 1
        report.render_lease_until = now + _render_lease()
        report.render_step = "Gathering the report"
        report.save(update_fields=["status", "render_attempts", "render_lease_until", "render_step", "updated_at"])
    return report


def _render_lease() -> timedelta:
    return timedelta(seconds=settings.REPORT_RENDER_LEASE_SECONDS)


@contextmanager
def _lease_kept_alive(report: ProgressReport):
    """While the render runs, a side thread renews its lease every quarter of it, so a render
    that dies with its worker is free for another within one lease (see settings), however long a
    live one takes."""
    stop = threading.Event()

    def heartbeat():
        try:
            while not stop.wait(settings.REPORT_RENDER_LEASE_SECONDS / 4):
                ProgressReport._base_manager.filter(
                    practice_id=report.practice_id, pk=report.pk, status=Status.RENDERING
                ).update(render_lease_until=timezone.now() + _render_lease())
        finally:
            connection.close()  # the thread's own connection

    beating = threading.Thread(target=heartbeat, name=f"render-lease-{report.pk}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


def _set_step(report: ProgressReport, step: str) -> None:
    ProgressReport.objects.filter(pk=report.pk).update(render_step=step, updated_at=timezone.now())


def report_html(report: ProgressReport) -> str:
    """The report as HTML for WeasyPrint. Every text is escaped by the template; the chart is SVG
    that pygal builds from numbers and area names (escaped by pygal)."""
    pain = report.facts.get("pain", {})
    chart = ""
    if pain.get("ratings"):
        svg = charts.pain_chart(pain["labels"], pain["ratings"], width=700, height=280)
        chart = mark_safe(svg[svg.index("<svg") :])  # drop the XML declaration to inline the SVG
    return render_to_string(
        "reports/progress_report.html",
        {
            "report": report,
            "practice": report.practice,
            "client": report.client,
            "partner": report.partner,
            "facts": report.facts,
            "chart_svg": chart,
            "logo_data_uri": logo_data_uri(report.practice.logo_png),
            "signed_on": timezone.localtime(report.signed_at, report.practice.zone).date(),
        },
    )


def report_render(report_id: str, practice_id: str) -> str | None:
    """The worker's job: render the signed report to PDF and store it privately with its SHA-256.
    Returns the new status, or None when there was nothing to do."""
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        return None
    with scope(practice=practice):
        report = _claim_render(report_id)
        if report is None:
            return None
        try:
            with _lease_kept_alive(report):
                html = report_html(report)
                pdf = html_to_pdf(html, on_step=lambda step: _set_step(report, step))
                _set_step(report, "Storing the PDF")
                name = store_private(f"reports/{practice.pk}/{report.pk}.pdf", pdf.content)
        except Exception as error:
            logger.exception("report %s did not render", report_id)
            report.status = Status.FAILED
            report.render_error = f"{type(error).__name__}: {error}"[:500]
            report.render_lease_until = None
            report.save(update_fields=["status", "render_error", "render_lease_until", "updated_at"])
            return report.status
        report.status = Status.READY
        report.render_step = ""
        report.render_lease_until = None
        report.pdf_name, report.pdf_sha256 = name, pdf.sha256
        report.pdf_size, report.pdf_pages = len(pdf.content), pdf.pages
        report.rendered_at = timezone.now()
        report.save()
        return report.status


def forget_pdf(sender, instance: ProgressReport, **kwargs) -> None:
    """post_delete: a deleted report (its client erased, say) takes its PDF along once the deletion
    commits, so no copy outlives the record."""
    if instance.pdf_name:
        name = instance.pdf_name
        transaction.on_commit(lambda: private_storage().delete(name))
