"""Celery carries only "send row N now"; due times, attempts and outcomes live in the outbox. (Until
the outbox left outreach/ these were outreach.tasks.*: a task of the old name still in the broker
is dropped as unknown, and its row, still leased or due, is claimed again by the next run.)"""

from celery import shared_task
from django.conf import settings

from .dispatch import claim_due_messages, deliver, deliver_batch

MAX_BATCHES_PER_RUN = 20  # then the run hands over to a fresh one (other tasks get the workers in between)


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """Beat, every minute (and right after a commit that queued a message due now): claim due
    messages batch by batch and hand each practice's to a sending task, a few at a time, so one
    worker sends them over one SMTP connection."""
    claimed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        batch = claim_due_messages()
        for practice_id, claims in _per_practice(batch):
            for start in range(0, len(claims), settings.OUTBOX_SEND_BATCH):
                send_outbox_batch.delay(practice_id, claims[start : start + settings.OUTBOX_SEND_BATCH])
        claimed += len(batch)
        if not batch:
            break
    else:  # more may be due (a newsletter to thousands): go on now rather than at the next tick
        dispatch_due_messages.delay()
    return claimed


def _per_practice(batch) -> list[tuple[str, list]]:
    grouped = {}
    for claim in batch:
        grouped.setdefault(claim.practice_id, []).append([claim.message_id, claim.attempt])
    return list(grouped.items())


# acks_late: a worker that dies mid-send leaves the broker message unacknowledged; the outbox
# lease makes the rows due again either way, and a sent row is never sent twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_batch(practice_id: str, claims: list) -> list:
    return deliver_batch(practice_id, [(message_id, attempt) for message_id, attempt in claims])


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_message(message_id: str, practice_id: str, attempt: int | None = None) -> str | None:
    """One message (tasks published before batches existed)."""
    return deliver(message_id, practice_id, attempt)
