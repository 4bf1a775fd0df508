"""The practice's figures: rebooking per therapist and month, new clients by stream, and retention
(do new clients come back, and why not). Each has a page with its tables and an SVG chart of its own."""

from datetime import date, datetime, time

from csp.decorators import csp_update
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from practice.access import requires
from referrals.models import Referral
from sessions.selectors import due_back
from sessions.wishes import KIND_LABELS as WISH_KINDS

from . import charts, selectors

# The charts are SVG images whose own small stylesheet is inline: allowed for those responses only.
SVG_STYLES = csp_update({"style-src": ["'unsafe-inline'"]})


def _since(practice) -> date:
    today_local = timezone.localdate(timezone=practice.zone)
    return date(today_local.year - 1, today_local.month, 1)


@requires("figures.view")
def rebooking(request, practice_slug):
    practice = request.practice
    return render(
        request,
        "insights/rebooking.html",
        {
            "rows": selectors.rebooking_figures(practice=practice, since=_since(practice)),
            "due_back": due_back(practice=practice),
        },
    )


@SVG_STYLES
@requires("figures.view")
def rebooking_chart(request, practice_slug):
    rows = selectors.rebooked_at_checkout(practice=request.practice, since=_since(request.practice))
    return HttpResponse(charts.rebooked_by_month(rows), content_type="image/svg+xml")


@requires("partners.manage")
def streams(request, practice_slug):
    return render(
        request,
        "insights/streams.html",
        {"rows": selectors.new_clients_by_stream(practice=request.practice), "streams": Referral.Stream.choices},
    )


@SVG_STYLES
@requires("partners.manage")
def streams_chart(request, practice_slug):
    rows = selectors.new_clients_by_stream(practice=request.practice)
    return HttpResponse(charts.streams_chart(rows), content_type="image/svg+xml")


@requires("retention.view")
def retention(request, practice_slug):
    now = timezone.now()
    figures = selectors.retention_figures(practice=request.practice, now=now)
    since = figures["since"]  # the first day of the conversion's first month
    return render(
        request,
        "insights/retention.html",
        {
            **figures,
            # Two columns of tables: the months; the therapists above the sources.
            "conversion_columns": [
                [("By month of the first visit, newest first", figures["by_month"], "Month")],
                [
                    ("By therapist of the first visit", figures["by_therapist"], "Therapist"),
                    ("By source: a recorded referral, else the client's answer", figures["by_source"], "Source"),
                ],
            ],
            "chart_plotted": any(
                share is not None and share.percent is not None
                for cohort in figures["cohorts"]
                for share in cohort.cells
            ),
            "feedback": selectors.feedback_figures(
                practice=request.practice, since=since, until=timezone.localdate(now, request.practice.zone)
            ),
            "feedback_parts": [heading for _, _, heading in selectors.FEEDBACK_PARTS],
            "wishes": selectors.wishes_figures(
                practice=request.practice,
                since=datetime.combine(since, time.min).replace(tzinfo=request.practice.zone),
                until=now,
            ),
            "wish_kinds": list(WISH_KINDS.values()),
            "window_days": selectors.SECOND_VISIT_WINDOW.days,
            "cohort_months": selectors.COHORT_MONTHS,
            "min_base": selectors.MIN_BASE,
        },
    )


@SVG_STYLES
@requires("retention.view")
def retention_chart(request, practice_slug):
    cohorts = selectors.cohort_figures(practice=request.practice, now=timezone.now())
    return HttpResponse(charts.cohorts_chart(cohorts), content_type="image/svg+xml")
