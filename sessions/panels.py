"""The practice home's panels from sessions: "your day" (today's appointments and notes left
unsigned) and, for the owner, notes that went against the client's wishes."""

from datetime import timedelta

from django.utils import timezone

from .notes import unsigned_overdue
from .selectors import today_for
from .wishes import KIND_LABELS, against_wishes_by_therapist

WISHES_DAYS = 30


def my_day(request):
    """For someone who sees clients: today's list and any note unsigned a day after the visit."""
    appointments = today_for(practice=request.practice, therapist_id=request.user.pk)
    overdue = (
        unsigned_overdue(practice=request.practice, therapist=request.user)
        if request.membership.has_perm("notes.write")
        else []
    )
    if not appointments and not overdue:
        return None
    return "sessions/_my_day_panel.html", {"appointments": appointments, "overdue": overdue}


def notes_against_wishes(request):
    """For the owner: notes signed in the last 30 days that went against the client's intake
    (an area to avoid worked, no focus area worked, another pressure), counted per therapist."""
    if not request.membership.has_perm("staff.manage"):
        return None
    now = timezone.now()
    rows = against_wishes_by_therapist(practice=request.practice, since=now - timedelta(days=WISHES_DAYS), until=now)
    if not rows:
        return None
    return "sessions/_wishes_panel.html", {"rows": rows, "kinds": list(KIND_LABELS.values()), "days": WISHES_DAYS}
