"""Recalls and the morning call-list digest, queued by daily beat tasks for every practice."""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django_scopes import scope

from outbox.kinds import MessageKind, register_kind
from outbox.models import Channel, OutboxMessage, Purpose
from outbox.services import enqueue
from practice.models import Membership, Practice
from sessions.models import Appointment
from sessions.selectors import due_back

from .calls import call_assignee_id, calls_due
from .followups import rebook_url, settings_for


def queue_recalls(practice: Practice) -> int:
    """For each client overdue by the practice's grace days: a recall email (marketing consent,
    checked at send time) and a call task. Keyed by the last visit, so once per interval."""
    config = settings_for(practice)
    if not config.recalls_enabled:
        return 0
    cutoff = timezone.now() - timedelta(days=config.recall_after_days)
    queued = 0
    for visit in due_back(practice=practice, limit=500):
        if visit.due_on > cutoff:
            continue
        client = visit.client
        if client.email:
            enqueue(
                practice=practice,
                kind=RECALL,
                address=client.email,
                client_ref=client.pk,
                idempotency_key=f"recall:{visit.pk}",
                context={"visit_id": str(visit.pk)},
            )
        enqueue(
            practice=practice,
            kind=RECALL_CALL,
            channel=Channel.CALL,
            address=client.phone,
            client_ref=client.pk,
            idempotency_key=f"recall-call:{visit.pk}",
            context={"visit_id": str(visit.pk)},
        )
        queued += 1
    return queued


def recall_context(message: OutboxMessage) -> dict:
    visit = Appointment.objects.select_related("client", "therapist").get(
        practice=message.practice, pk=message.context["visit_id"]
    )
    client = visit.client
    return {
        "first_name": client.preferred_name or client.first_name,
        "therapist": visit.therapist.first_name,
        "last_visit": formats.date_format(timezone.localtime(visit.starts_at, message.practice.zone), "j F"),
        "rebook_url": rebook_url(visit),
        "client_name": f"{client.first_name} {client.last_name}",
        "phone": client.phone,
        "assigned_to_id": call_assignee_id(practice=message.practice, therapist_id=visit.therapist_id),
        "plan": "Due back since "
        + formats.date_format(
            timezone.localtime(
                visit.starts_at + timedelta(days=visit.recommended_interval_days or 0), message.practice.zone
            ),
            "j M",
        ),
    }


def queue_digests(practice: Practice, now: datetime | None = None) -> int:
    """At the practice's digest hour: one email per member with calls due today."""
    now = timezone.localtime(now or timezone.now(), practice.zone)
    config = settings_for(practice)
    if now.hour != config.digest_hour:
        return 0
    queued = 0
    for membership in Membership.objects.filter(practice=practice).select_related("user"):
        tasks = list(calls_due(practice=practice, user=membership.user))
        if not tasks:
            continue
        enqueue(
            practice=practice,
            kind=CALL_DIGEST,
            address=membership.user.email,
            idempotency_key=f"digest:{membership.user_id}:{now.date()}",
            context={
                "first_name": membership.user.first_name,
                "calls": [{"name": t.client_name, "phone": t.phone, "reason": t.reason} for t in tasks],
            },
        )
        queued += 1
    return queued


def for_every_practice(work) -> int:
    """Run `work(practice)` inside each practice's scope (the beat tasks' loop)."""
    total = 0
    for practice in Practice.objects.all():
        with scope(practice=practice):
            total += work(practice)
    return total


# --- Message kinds ------------------------------------------------------------------------------

RECALL = register_kind(MessageKind("recall", Purpose.MARKETING, refresh=recall_context))
RECALL_CALL = register_kind(
    MessageKind("recall_call", Purpose.CARE, template="recall", channels=(Channel.CALL,), refresh=recall_context)
)
CALL_DIGEST = register_kind(MessageKind("call_digest", Purpose.TRANSACTIONAL))
