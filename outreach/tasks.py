"""Outreach's scheduled work: recalls, call digests and progress-report renders (the outbox's own
tasks are in outbox/tasks.py)."""

from celery import shared_task

from outreach.recalls import for_every_practice, queue_digests, queue_recalls
from outreach.reports import renders_waiting, report_render


@shared_task(ignore_result=True)
def queue_recalls_everywhere() -> int:
    """Beat, daily: recall emails and calls for clients overdue for their next visit."""
    return for_every_practice(queue_recalls)


@shared_task(ignore_result=True)
def queue_call_digests() -> int:
    """Beat, hourly: each practice sends its morning call-list email at its own local hour."""
    return for_every_practice(queue_digests)


# A render holds its row with a lease, so a second task for the same report does nothing.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def render_progress_report(report_id: str, practice_id: str) -> str | None:
    return report_render(report_id, practice_id)


@shared_task(ignore_result=True)
def render_waiting_reports() -> int:
    """Beat, every minute: reports whose render request was lost (broker down) or whose worker died."""
    waiting = renders_waiting()
    for report_id, practice_id in waiting:
        render_progress_report.delay(report_id, practice_id)
    return len(waiting)
