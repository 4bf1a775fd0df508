"""Reads for the outbox pages."""

from django.db.models import Count

from outbox.models import OutboxMessage
from practice.models import Practice


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
