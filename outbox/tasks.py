"""Celery carries only "send row N now"; due times, attempts and outcomes live in the outbox. (Until
the outbox left outreach/ these were outreach.tasks.*: a task of the old name still in the broker
is dropped as unknown, and its row, still leased or due, is claimed again by the next run.)"""

from celery import shared_task

from .dispatch import claim_due_messages, deliver

MAX_BATCHES_PER_RUN = 20  # the next run, a minute later, takes the rest


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """Beat, every minute: claim due messages batch by batch and hand each to a sending task."""
    claimed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        batch = claim_due_messages()
        for message_id, practice_id in batch:
            send_outbox_message.delay(message_id, practice_id)
        claimed += len(batch)
        if not batch:
            break
    return claimed


# acks_late: a worker that dies mid-send leaves the broker message unacknowledged; the outbox
# lease makes the row due again either way, and a sent row is never sent twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_message(message_id: str, practice_id: str) -> str | None:
    return deliver(message_id, practice_id)
