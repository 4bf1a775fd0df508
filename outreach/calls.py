"""Outcomes on the call list."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practice.models import Membership

from .followups import settings_for
from .models import CallTask

Status = CallTask.Status
Role = Membership.Role
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
    """Open calls due today or earlier: everyone's, or the person's own. Own calls are those assigned
    to them, and for whoever makes the desk's calls (see `makes_desk_calls`) the calls assigned to
    no one."""
    today = timezone.localdate(timezone=practice.zone)
    tasks = CallTask.objects.filter(practice=practice, status=Status.OPEN, due_on__lte=today).select_related(
        "assigned_to"
    )
    if everyone:
        return tasks
    own = Q(assigned_to=user)
    if makes_desk_calls(practice=practice, user=user):
        own |= Q(assigned_to__isnull=True)
    return tasks.filter(own)


def makes_desk_calls(*, practice, user) -> bool:
    """The front desk makes the calls nobody in particular is assigned (recall calls, or the calls of a
    therapist who has left); a practice without a front desk leaves them to its owners."""
    roles = set(Membership.objects.filter(practice=practice).values_list("role", flat=True).distinct())
    desk = Role.FRONT_DESK if Role.FRONT_DESK in roles else Role.OWNER
    return Membership.objects.filter(practice=practice, user=user, role=desk).exists()


def call_assignee_id(*, practice, therapist_id):
    """Who a booking call (a recall) is for: the front desk's list, where the practice has a front desk
    (no one in particular); otherwise the client's therapist."""
    has_desk = Membership.objects.filter(practice=practice, role=Role.FRONT_DESK).exists()
    return None if has_desk else therapist_id
