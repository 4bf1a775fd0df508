"""The practice home's "your day" panel: today's appointments and notes left unsigned."""

from .notes import unsigned_overdue
from .selectors import today_for


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
