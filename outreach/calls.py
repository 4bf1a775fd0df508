"""Outcomes on the call list."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .followups import settings_for
from .models import CallTask

Status = CallTask.Status
OUTCOMES = {"no_answer", Status.REACHED, Status.LEFT_MESSAGE, Status.BOOKED, Status.DO_NOT_CALL}


def call_record_outcome(*, task: CallTask, outcome: str) -> CallTask:
    """Reached, left a message, booked, do not call again; or no answer, which brings the call back
    tomorrow until the practice's number of tries is used up. The task's row is locked while it
    changes: of two people recording the same call, the second sees the first one's outcome."""
    if outcome not in OUTCOMES:
        raise ValidationError("Choose what happened.")
    with transaction.atomic():
        task = CallTask.objects.select_for_update().get(practice=task.practice, pk=task.pk)
        if task.status != Status.OPEN:
            raise ValidationError("This call is already done.")
        task.tries += 1
        if outcome != "no_answer":
            task.status = outcome
        elif task.tries >= settings_for(task.practice).call_max_tries:
            task.status = Status.GAVE_UP
        else:
            task.due_on = timezone.localdate(timezone=task.practice.zone) + timedelta(days=1)
        task.save()
    return task


def calls_due(*, practice, user, everyone: bool = False):
    """Open calls due today or earlier: the person's own, or everyone's."""
    today = timezone.localdate(timezone=practice.zone)
    tasks = CallTask.objects.filter(practice=practice, status=Status.OPEN, due_on__lte=today).select_related(
        "assigned_to"
    )
    return tasks if everyone else tasks.filter(assigned_to=user)
