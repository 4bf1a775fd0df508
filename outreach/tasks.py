"""Celery carries only "send row N now"; due times, attempts and outcomes live in the outbox."""

from celery import shared_task

from outreach.engine.dispatch import claim_due_messages, deliver
from outreach.recalls import for_every_practice, queue_digests, queue_recalls
from outreach.reports import renders_waiting, report_render

MAX_BATCHES_PER_RUN = 20  # the next run, a minute later, takes the rest


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """Beat, every minute: claim due messages batch by batch and hand each to a sending task."""
    claimed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        ids = claim_due_messages()
        for message_id in ids:
            send_outbox_message.delay(message_id)
        claimed += len(ids)
        if not ids:
            break
    return claimed


# acks_late: a worker that dies mid-send leaves the broker message unacknowledged; the outbox
# lease makes the row due again either way, and a sent row is never sent twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_message(message_id: str) -> str | None:
    return deliver(message_id)


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
def render_progress_report(report_id: str) -> str | None:
    return report_render(report_id)


@shared_task(ignore_result=True)
def render_waiting_reports() -> int:
    """Beat, every minute: reports whose render request was lost (broker down) or whose worker died."""
    waiting = renders_waiting()
    for report_id in waiting:
        render_progress_report.delay(report_id)
    return len(waiting)
