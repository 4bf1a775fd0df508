"""Reads for the outbox pages, the client's timeline and the figures of clients' feedback."""

from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Case, Count, F, Q, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from clients.timeline import Entry
from outbox.models import Channel, OutboxMessage, Purpose
from practice.models import Practice

from .feedback import ANSWERS, feedback_summary
from .models import CallTask, ProgressReport, ReleaseAuthorisation, ReleaseRequest, VisitFeedback


def outbox_messages(*, practice: Practice, status: str = "", kind: str = ""):
    """The practice's messages, newest first, narrowed by status and kind. Call inside its scope."""
    messages = OutboxMessage.objects.filter(practice=practice)
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    return messages


def outbox_status_counts(*, practice: Practice) -> dict[str, int]:
    rows = OutboxMessage.objects.filter(practice=practice).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def outbox_kinds(*, practice: Practice) -> list[str]:
    return list(
        OutboxMessage.objects.filter(practice=practice).order_by("kind").values_list("kind", flat=True).distinct()
    )


# --- The client's timeline (clients/timeline.py) ----------------------------------------------

MESSAGE_TONES = {"sending": "info", "sent": "success", "failed": "danger", "skipped": "warning"}
CALL_TONES = {
    "open": "primary",
    "reached": "success",
    "booked": "success",
    "left_message": "info",
    "do_not_call": "danger",
}
REPORT_TONES = {"queued": "info", "rendering": "info", "ready": "success", "failed": "danger"}


def messages_timeline(query) -> list[Entry]:
    """Messages to the client (emails and texts; calls are on the call list, see calls_timeline),
    at the time each went out or is due, with its status: two queries."""
    messages = (
        OutboxMessage.objects.filter(practice=query.practice, client_ref=query.client.pk)
        .exclude(channel=Channel.CALL, status=OutboxMessage.Status.SENT)  # became a call task
        .defer("context", "last_error")
        .annotate(at=Coalesce("sent_at", "due_at"))
    )
    entries = []
    for message in query.around(messages, "at"):
        details = [f"{message.get_channel_display()} to {message.address or 'no address'}"]
        details.append(Purpose(message.purpose).label if message.purpose in Purpose.values else message.purpose)
        if message.skip_reason:
            details.append(message.skip_reason)
        entries.append(
            Entry(
                when=message.at,
                title=message.subject or message.kind_label,
                detail=" · ".join(details),
                status=message.get_status_display(),
                tone=MESSAGE_TONES.get(message.status, "secondary"),
                url=reverse(
                    "outreach:outbox-detail", kwargs={"practice_slug": query.practice.slug, "message_id": message.pk}
                ),
            )
        )
    return entries


def calls_timeline(query) -> list[Entry]:
    """Calls to the client and their outcome: an open call when it was put on the list, a finished
    one when its outcome was recorded. One query."""
    tasks = (
        CallTask.objects.filter(practice=query.practice, client_ref=query.client.pk)
        .select_related("assigned_to")
        .annotate(at=Case(When(status=CallTask.Status.OPEN, then=F("created_at")), default=F("updated_at")))
    )
    url = reverse("outreach:call-list", kwargs={"practice_slug": query.practice.slug})
    entries = []
    for task in query.past(tasks, "at"):
        details = [f"due {task.due_on:%-d %b}" if task.status == CallTask.Status.OPEN else ""]
        details.append(f"{task.tries} {'try' if task.tries == 1 else 'tries'}" if task.tries else "")
        details.append(f"for {task.assigned_to}" if task.assigned_to else "")
        entries.append(
            Entry(
                when=task.at,
                title=f"{task.reason.replace('_', ' ').capitalize()} call",
                detail=" · ".join(part for part in details if part),
                status=task.get_status_display(),
                tone=CALL_TONES.get(task.status, "secondary"),
                url=url,
            )
        )
    return entries


def feedback_timeline(query) -> list[Entry]:
    """The client's feedback on their visits, when they first answered: one query."""
    rows = VisitFeedback.objects.filter(practice=query.practice, client=query.client).select_related(
        "visit", "therapist"
    )
    entries = []
    for feedback in query.past(rows, "answered_at"):
        day = timezone.localtime(feedback.visit.starts_at, query.practice.zone)
        entries.append(
            Entry(
                when=feedback.answered_at,
                title=f"Feedback: {feedback_summary(feedback, comment_chars=200)}",
                detail=f"On the visit of {day:%-d %b} with {feedback.therapist.first_name}",
                status="Call the client" if feedback.call_task_id else "",
                tone="warning" if feedback.call_task_id else "secondary",
                url=reverse(
                    "clients:brief", kwargs={"practice_slug": query.practice.slug, "client_id": query.client.pk}
                ),
            )
        )
    return entries


def releases_timeline(query) -> list[Entry]:
    """The client's releases of information (signed, expired or revoked) and the requests still
    waiting for their signature: two queries."""
    releases = ReleaseAuthorisation.objects.filter(practice=query.practice, client=query.client).select_related(
        "partner"
    )
    requests = ReleaseRequest.objects.filter(
        practice=query.practice, client=query.client, release__isnull=True, withdrawn_at__isnull=True
    ).select_related("partner")
    today = timezone.localdate(timezone=query.practice.zone)
    url = reverse("outreach:releases", kwargs={"practice_slug": query.practice.slug, "client_id": query.client.pk})
    entries = []
    for release in query.past(releases, "signed_at"):
        if release.revoked_at:
            status, tone = "Revoked", "secondary"
        elif release.expires_on < today:
            status, tone = "Expired", "secondary"
        else:
            status, tone = "In force", "success"
        entries.append(
            Entry(
                when=release.signed_at,
                title=f"Release of information to {release.partner}",
                detail=f"Signed as {release.signed_name} ({release.get_source_display().lower()}), "
                f"until {release.expires_on:%-d %b %Y}",
                status=status,
                tone=tone,
                url=url,
            )
        )
    for request in query.past(requests, "requested_at"):
        entries.append(
            Entry(
                when=request.requested_at,
                title=f"Release to {request.partner} requested",
                detail="Sent with the intake link for the client to sign",
                status="Waiting for the client",
                tone="warning",
                url=url,
            )
        )
    return entries


def reports_timeline(query) -> list[Entry]:
    """Progress reports on the client, with the links sent and how often they were downloaded: one
    query."""
    reports = (
        ProgressReport.objects.filter(practice=query.practice, client=query.client)
        .select_related("partner")
        .defer("facts", *ProgressReport.NARRATIVE)
        .annotate(links=Count("shares"), downloads=Sum("shares__download_count"))
    )
    entries = []
    for report in query.past(reports, "created_at"):
        details = [f"{report.period_start:%-d %b} – {report.period_end:%-d %b %Y}"]
        if report.links:
            details.append(f"{report.links} link{'s' if report.links > 1 else ''} sent")
            details.append(f"downloaded {report.downloads}×" if report.downloads else "not downloaded yet")
        entries.append(
            Entry(
                when=report.created_at,
                title=f"Progress report for {report.partner}",
                detail=" · ".join(details),
                status=report.get_status_display(),
                tone=REPORT_TONES.get(report.status, "secondary"),
                url=reverse(
                    "outreach:report-detail", kwargs={"practice_slug": query.practice.slug, "report_id": report.pk}
                ),
            )
        )
    return entries


def report_client(practice: Practice, report_id):
    """The client of the progress report `report_id` names (a one-column queryset; clients.record_access)."""
    return ProgressReport.objects.filter(practice=practice, pk=report_id).values("client_id")


# --- Figures of clients' feedback (the owner's retention page) ------------------------------------


def feedback_by_therapist(practice: Practice, since: date, until: date) -> list[dict]:
    """Clients' feedback per therapist and month: only feedback actually given, by the month (in the
    practice's zone) its first answer came in, from `since` to `until`, both days included. One query.

    Returns a list, newest month first, then by therapist's first name, of:

        {
            "month": date,  # the first day of the month
            "therapist_id": int,
            "therapist": str,  # first and last name
            "given": int,  # visits with any feedback
            "answers": {  # per question, per answer: how many gave it (0 included)
                "pressure": {"too_light": int, "just_right": int, "too_deep": int},
                "focus": {"yes": int, "partly": int, "no": int},
                "conversation": {"too_much": int, "just_right": int, "more": int},
            },
            "answered": {"pressure": int, "focus": int, "conversation": int},  # answered at all
            "ratings": int,  # how many rated the visit
            "rating_mean": float | None,  # their mean, None when nobody rated
        }

    Small numbers stay counts: the caller decides whether a share is meaningful."""
    zone = practice.zone
    start = datetime.combine(since, time.min).replace(tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min).replace(tzinfo=zone)
    choices = {
        "pressure": VisitFeedback.Pressure.values,
        "focus": VisitFeedback.Focus.values,
        "conversation": VisitFeedback.Conversation.values,
    }
    counts = {f"{name}__{value}": Count("id", filter=Q(**{name: value})) for name in ANSWERS for value in choices[name]}
    rows = (
        VisitFeedback.objects.filter(practice=practice, answered_at__gte=start, answered_at__lt=end)
        .annotate(month=TruncMonth("answered_at", tzinfo=zone))
        .values("month", "therapist_id", "therapist__first_name", "therapist__last_name")
        .annotate(given=Count("id"), ratings=Count("rating"), rating_mean=Avg("rating"), **counts)
        .order_by("-month", "therapist__first_name", "therapist__last_name", "therapist_id")
    )
    return [
        {
            "month": row["month"].astimezone(zone).date() if isinstance(row["month"], datetime) else row["month"],
            "therapist_id": row["therapist_id"],
            "therapist": f"{row['therapist__first_name']} {row['therapist__last_name']}".strip(),
            "given": row["given"],
            "answers": {name: {value: row[f"{name}__{value}"] for value in choices[name]} for name in ANSWERS},
            "answered": {name: sum(row[f"{name}__{value}"] for value in choices[name]) for name in ANSWERS},
            "ratings": row["ratings"],
            "rating_mean": float(row["rating_mean"]) if row["rating_mean"] is not None else None,
        }
        for row in rows
    ]
