"""A client with something of every kind on their timeline, for the timeline's tests and journey."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django_scopes import scope

from outbox.models import OutboxMessage
from outbox.tests.factories import OutboxMessageFactory
from outreach.feedback import feedback_record
from outreach.models import CallTask, ReleaseRequest
from outreach.reports import default_period, report_create
from outreach.tests.factories import client_with_history
from referrals.models import OutgoingReferral, Referral
from sessions.models import (
    Appointment,
    CarePhase,
    CheckoutOutcome,
    NoteAddendum,
    SessionNote,
    TreatmentPlan,
    WaitlistEntry,
)
from sessions.notes import ensure_practice_lists


def at(practice, days: int, hour: int = 10) -> datetime:
    """`hour` o'clock `days` days from today (negative: ago) in the practice's zone."""
    day = timezone.localdate(timezone=practice.zone) + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=practice.zone)


def client_with_everything(practice, therapist) -> dict:
    """A client with something of every kind: six completed visits with signed notes (the last
    with an addendum and a checkout that did not rebook), a visit booked next week, a plan, an
    intake, a release and a release request, a draft report, two emails (one sent, one due), a
    follow-up call, their feedback on the last visit, the referral that brought them, and a place on
    the waitlist."""
    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist)
        visits = list(Appointment.objects.filter(practice=practice, client=client).order_by("starts_at"))
        last = visits[-1]
        CheckoutOutcome.objects.create(practice=practice, visit=last, booked=False, reason="cost", note="after payday")
        note = SessionNote.objects.get(practice=practice, visit=last)
        NoteAddendum.objects.create(practice=practice, note=note, author=therapist, text="Forgot: left hip too.")
        coming = Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=last.service,
            starts_at=at(practice, 7),
            ends_at=at(practice, 7, 11),
            blocked_until=at(practice, 7, 11),
        )
        ensure_practice_lists(practice)
        TreatmentPlan.objects.create(
            practice=practice,
            client=client,
            phase=CarePhase.objects.filter(practice=practice).first(),
            goals="Turn the head freely",
            sessions_planned=8,
            every_days=7,
            starts_on=visits[0].starts_at.date(),
        )
        ReleaseRequest.objects.create(practice=practice, client=client, partner=partner, expires_on=date(2030, 1, 1))
        start, end = default_period(practice)
        report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        OutboxMessageFactory(
            practice=practice,
            client_ref=client.pk,
            subject="How are you feeling today?",
            status=OutboxMessage.Status.SENT,
            sent_at=at(practice, -2, 11),
        )
        OutboxMessageFactory(practice=practice, client_ref=client.pk, subject="", due_at=at(practice, 6))
        CallTask.objects.create(
            practice=practice,
            client_ref=client.pk,
            reason="follow-up",
            client_name=client.full_name,
            due_on=timezone.localdate(timezone=practice.zone),
            status=CallTask.Status.LEFT_MESSAGE,
            tries=1,
        )
        feedback_record(visit=last, answers={"pressure": "just_right", "rating": 5}, now=at(practice, -1, 9))
        Referral.objects.create(practice=practice, client=client, partner=partner, stream="medical")
        OutgoingReferral.objects.create(
            practice=practice,
            partner=partner,
            client=client,
            on=timezone.localdate(timezone=practice.zone) - timedelta(days=3),
            note="Orthotics",
        )
        WaitlistEntry.objects.create(
            practice=practice, client=client, service=last.service, until=at(practice, 30).date(), note="Any morning"
        )
    return {"client": client, "partner": partner, "coming": coming, "last": last}
