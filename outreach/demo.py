"""Demo outreach: a few follow-up calls on today's list, a newsletter draft, a client's release for
their referring chiropractor with a progress report drafted for it (nothing is sent), and clients'
feedback on a few recent visits (one found the pressure too light, so their brief proposes a firmer
one; one said we did not work on what they came for, so the owner has a call to make)."""

from datetime import timedelta

from django.utils import timezone

from practice.models import Practice
from referrals.models import Referral
from sessions.models import Appointment, SessionNote
from sessions.notes import pressure_change

from .feedback import feedback_record
from .followups import settings_for
from .models import CallTask, Newsletter
from .releases import release_record
from .reports import default_period, report_create

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
    recent = (
        Appointment.objects.filter(practice=practice, status=Appointment.Status.COMPLETED)
        .select_related("client")
        .order_by("-starts_at")[:4]
    )
    for visit in recent:
        client = visit.client
        CallTask.objects.create(
            practice=practice,
            client_ref=client.pk,
            assigned_to_id=visit.therapist_id,
            reason="follow-up",
            phone=client.phone,
            due_on=today,
            client_name=f"{client.first_name} {client.last_name}",
            notes="Your upper back was tight and eased well. · Plan: upper trapezius, in 14 days",
        )
    Newsletter.objects.create(practice=practice, subject="Late Thursdays from December", body_markdown=NEWSLETTER)
    _seed_report(practice)
    _seed_feedback(practice)


def _seed_report(practice: Practice) -> None:
    """The referred client with the most signed notes authorises reports to their referrer, and a
    draft waits for the therapist to read, sign and send."""
    referred = {
        r.client_id: r.partner
        for r in Referral.objects.filter(
            practice=practice, partner__isnull=False, partner__stage="active"
        ).select_related("partner")
    }
    note = (
        SessionNote.objects.filter(practice=practice, client_id__in=referred, signed_at__isnull=False)
        .select_related("client", "therapist")
        .order_by("-visit__starts_at")
        .first()
    )
    if note is None:
        return
    partner = referred[note.client_id]
    release_record(client=note.client, partner=partner, signed_name=note.client.full_name, actor=note.therapist)
    start, end = default_period(practice)
    report_create(client=note.client, partner=partner, period_start=start, period_end=end, actor=note.therapist)


FEEDBACK = [
    {"pressure": "too_light", "focus": "yes", "conversation": "too_much", "rating": 3, "comment": "Could go deeper."},
    {"pressure": "just_right", "focus": "yes", "conversation": "just_right", "rating": 5},
    {"pressure": "just_right", "focus": "partly", "conversation": "just_right", "rating": 4},
    {"pressure": "too_deep", "focus": "no", "rating": 2, "comment": "My lower back was what hurt."},
]


def _seed_feedback(practice: Practice) -> None:
    """The latest completed visit of a few clients, answered the day after. The "too light" one goes
    to a client whose preference can still grow firmer, with a visit to come (their brief shows it)."""
    visits, seen = [], set()
    completed = (
        Appointment.objects.filter(practice=practice, status=Appointment.Status.COMPLETED)
        .select_related("client", "therapist")
        .order_by("-starts_at")
    )
    for visit in completed[:200]:
        if visit.client_id not in seen:
            seen.add(visit.client_id)
            visits.append(visit)
    coming = set(
        Appointment.objects.filter(
            practice=practice, client_id__in=seen, status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
        ).values_list("client_id", flat=True)
    )
    used = dict(
        SessionNote.objects.filter(practice=practice, visit__in=visits[:30]).values_list("visit_id", "pressure_used")
    )

    def proposes(visit) -> bool:
        return pressure_change(client=visit.client, felt="too_light", used=used.get(visit.pk, "")) is not None

    lighter = next((v for v in visits[:30] if v.client_id in coming and proposes(v)), None)
    lighter = lighter or next((v for v in visits[:30] if proposes(v)), None)
    if lighter is not None:
        visits.remove(lighter)
        visits.insert(0, lighter)
    for visit, answers in zip(visits, FEEDBACK, strict=False):
        feedback_record(visit=visit, answers=answers, now=min(visit.ends_at + timedelta(days=1), timezone.now()))
