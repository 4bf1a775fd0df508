"""Demo outreach: a few follow-up calls on today's list and a newsletter draft (nothing is sent)."""

from django.utils import timezone

from practice.models import Practice
from sessions.models import Appointment

from .followups import settings_for
from .models import CallTask, Newsletter

NEWSLETTER = """Hello from all of us!

From December we are open **late on Thursdays** (until 8 pm), for everyone who finds weekdays hard.

- Book online from the link in your last email, or call us.
- Gift cards are back for the holidays.

See you soon."""


def seed_practice(practice: Practice) -> None:
    settings_for(practice)
    if CallTask.objects.filter(practice=practice).exists():
        return
    today = timezone.localdate(timezone=practice.zone)
    recent = (Appointment.objects.filter(practice=practice, status=Appointment.Status.COMPLETED)
              .select_related("client").order_by("-starts_at")[:4])
    for visit in recent:
        client = visit.client
        CallTask.objects.create(practice=practice, client_ref=client.pk, assigned_to_id=visit.therapist_id,
                                reason="follow-up", phone=client.phone, due_on=today,
                                client_name=f"{client.first_name} {client.last_name}",
                                notes="Your upper back was tight and eased well. · Plan: upper trapezius, in 14 days")
    Newsletter.objects.create(practice=practice, subject="Late Thursdays from December", body_markdown=NEWSLETTER)
