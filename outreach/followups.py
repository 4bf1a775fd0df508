"""Next-day follow-ups: queued when a visit is completed, due at the practice's hour the next open
day, sent as an email to a client who agreed to care follow-ups, or else as a call task. What the
email says (the approved summary, "see you on ..." or a rebooking link) is decided when it is sent."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from clients.models import Client, IntakeVersion
from clients.selectors import latest_intake
from library.links import handout_links
from outbox.consent import has_consent
from outbox.kinds import MessageKind, register_kind
from outbox.models import Channel, OutboxMessage, Purpose
from outbox.services import enqueue
from practice.tokens import in_claimed_practice, reading_link, signed_for_practice
from sessions.availability import Slot, open_slots
from sessions.models import Appointment, SessionNote, WorkingHours
from sessions.services import appointment_book, lost_booking, through_races

from .feedback import feedback_links, feedback_of, unanswered
from .models import CallTask, FollowUpSettings

REBOOK_SALT = "outreach.rebook-link"


def settings_for(practice) -> FollowUpSettings:
    found = FollowUpSettings.objects.filter(practice=practice).first()
    return found or FollowUpSettings.objects.create(practice=practice)


def followup_settings_save(*, config: FollowUpSettings) -> FollowUpSettings:
    """The owner's follow-up settings (the settings form's validated instance)."""
    config.full_clean()
    config.save()
    return config


def open_weekdays(practice) -> set[int]:
    """Weekdays someone works (0 is Monday); a practice with no hours yet counts every day as open."""
    days = set(WorkingHours.objects.filter(practice=practice).values_list("weekday", flat=True))
    return days or set(range(7))


def followup_due_at(*, practice, visit_ends_at: datetime, config: FollowUpSettings) -> datetime:
    """The practice's follow-up hour, local time, on the next day after the visit that is open
    (or simply the next day when follow-ups may go out on closed days)."""
    day = timezone.localtime(visit_ends_at, practice.zone).date() + timedelta(days=1)
    if not config.send_on_closed_days:
        open_days = open_weekdays(practice)
        while day.weekday() not in open_days:
            day += timedelta(days=1)
    return datetime.combine(day, time(config.followup_hour)).replace(tzinfo=practice.zone)


def schedule_followup(sender, *, visit: Appointment, **kwargs):
    """Receiver of sessions' visit_completed: one follow-up per visit (the key makes it idempotent)."""
    practice, client = visit.practice, visit.client
    config = settings_for(practice)
    by_email = bool(client.email) and has_consent(
        practice=practice, channel=Channel.EMAIL, address=client.email, purpose=Purpose.CARE
    )
    if (config.call_first_timers and client.first_massage) or prefers_phone(client):
        by_email = False
    enqueue(
        practice=practice,
        kind=FOLLOWUP,
        channel=Channel.EMAIL if by_email else Channel.CALL,
        address=client.email if by_email else client.phone,
        client_ref=client.pk,
        idempotency_key=f"followup:{visit.pk}",
        due_at=followup_due_at(practice=practice, visit_ends_at=visit.ends_at, config=config),
        context={"visit_id": str(visit.pk)},
    )


def followup_context(message: OutboxMessage) -> dict:
    """Fresh at send time: the approved summary, the next booking if any, else a rebooking link."""
    visit = Appointment.objects.select_related("client", "therapist", "service").get(
        practice=message.practice, pk=message.context["visit_id"]
    )
    client = visit.client
    note = SessionNote.objects.filter(practice=message.practice, visit=visit, signed_at__isnull=False).first()
    upcoming = (
        Appointment.objects.filter(
            practice=message.practice, client=client, status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )
    context = {
        "first_name": client.preferred_name or client.first_name,
        "therapist": visit.therapist.first_name,
        "summary": note.client_summary if note and note.summary_approved else "",
        "plan": note.plan_focus if note else "",
        # The articles the signed note gives for home care, each with its signed link (as JSON data).
        "handouts": [({"title": a.title, "summary": a.summary}, url) for a, url in handout_links(visit)],
        "next_visit": formats.date_format(timezone.localtime(upcoming.starts_at, message.practice.zone), "l j F, H:i")
        if upcoming
        else "",
        "rebook_url": "" if upcoming else rebook_url(visit),
        # Three questions, each answer a link (outreach.feedback), unless they were answered already.
        "feedback": feedback_links(visit) if unanswered(feedback_of(visit)) else [],
        "client_name": f"{client.first_name} {client.last_name}",
        "phone": client.phone,
        "assigned_to_id": visit.therapist_id,
    }
    return context


def create_call_task(message: OutboxMessage) -> None:
    """The call channel's sender: the message becomes a task on a staff call list."""
    context = message.context
    notes = " · ".join(
        part
        for part in (
            context.get("summary"),
            context.get("plan") and f"Plan: {context['plan']}",
            context.get("next_visit") and f"Booked: {context['next_visit']}",
        )
        if part
    )
    CallTask.objects.get_or_create(
        practice=message.practice,
        outbox_message=message,
        defaults={
            "client_ref": message.client_ref,
            "assigned_to_id": context.get("assigned_to_id"),
            "reason": {"followup": "follow-up", "recall_call": "recall"}.get(message.kind, message.kind),
            "phone": context.get("phone", ""),
            "client_name": context.get("client_name", ""),
            "notes": notes,
            "due_on": timezone.localdate(timezone=message.practice.zone),
        },
    )


# --- Self-rebooking links -----------------------------------------------------------------------


def rebook_url(visit: Appointment) -> str:
    return settings.SITE_URL + rebook_path(visit)


def rebook_path(visit: Appointment) -> str:
    token = signed_for_practice({"v": str(visit.pk)}, practice_id=visit.practice_id, salt=REBOOK_SALT, compress=True)
    return reverse("outreach:rebook", args=[token])


def visit_from_rebook_token(token: str) -> Appointment | None:
    """The visit a self-rebooking link was made for, if the link is genuine and not older than the
    practice's rebook_link_days; None otherwise. Read in the practice the signed link names."""
    try:
        claim = signing.loads(token, salt=REBOOK_SALT)
    except signing.BadSignature:
        return None
    visit_id = claim.get("v") if isinstance(claim, dict) else claim  # older links signed the id alone
    with reading_link(claim) as practice:
        visits = Appointment.objects.select_related("practice", "client", "therapist", "service")
        visit = in_claimed_practice(visits.filter(pk=visit_id, client__status=Client.Status.ACTIVE), practice).first()
        if visit is None:
            return None
        days = settings_for(visit.practice).rebook_link_days
    try:
        signing.loads(token, salt=REBOOK_SALT, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        return None
    return visit


REBOOK_DAYS_AHEAD = 21  # how far ahead the self-rebooking page looks
REBOOK_TIMES_SHOWN = 12


class NotOffered(Exception):
    """The time posted is not one the self-rebooking page offers."""


class AlreadyRebooked(Exception):
    def __init__(self, appointment: Appointment):
        super().__init__("This link has been used already.")
        self.appointment = appointment


def rebook_offer(visit: Appointment, *, day=None) -> list[Slot]:
    """The times the self-rebooking page offers: open, from now, with the visit's therapist and
    service, in the next REBOOK_DAYS_AHEAD days (all of `day`'s when it is given)."""
    today = timezone.localdate(timezone=visit.practice.zone)
    start, end = (day, day) if day else (today, today + timedelta(days=REBOOK_DAYS_AHEAD))
    return open_slots(  # open_slots offers nothing before now
        practice=visit.practice,
        service=visit.service,
        therapist_id=visit.therapist_id,
        start=start,
        end=end,
        limit=None if day else REBOOK_TIMES_SHOWN,
    )


def rebooked_by_link(visit: Appointment) -> Appointment | None:
    return Appointment.objects.filter(
        practice=visit.practice, booked_by_link_of=visit, status__in=Appointment.ACTIVE
    ).first()


def rebook_by_link(*, visit: Appointment, starts_at: datetime) -> Appointment:
    """Book the time a client picked on their self-rebooking page, once per link, and only a time
    the page would offer (a post can name any time: 03:00, yesterday, another therapist's hours).
    Raises AlreadyRebooked, NotOffered, or SlotTaken when someone took the time meanwhile."""
    zone = visit.practice.zone
    day = timezone.localtime(starts_at, zone).date()
    today = timezone.localdate(timezone=zone)

    def book():
        with transaction.atomic():
            Appointment.objects.select_for_update().filter(practice=visit.practice, pk=visit.pk).first()  # one at once
            booked = rebooked_by_link(visit)
            if booked is not None:
                raise AlreadyRebooked(booked)
            within = today <= day <= today + timedelta(days=REBOOK_DAYS_AHEAD)
            if not within or starts_at not in {slot.starts_at for slot in rebook_offer(visit, day=day)}:
                raise NotOffered
            return appointment_book(
                practice=visit.practice,
                client=visit.client,
                therapist=visit.therapist,
                service=visit.service,
                starts_at=starts_at,
                by_link_of=visit,
            )

    def lost(why):
        return lost_booking(visit.practice, visit.service, visit.therapist_id, starts_at, why=why)

    return through_races(book, lost=lost)


def prefers_phone(client: Client) -> bool:
    """A client who chose text messages for reminders is taken to prefer the phone."""
    latest = latest_intake(client=client)
    return latest is not None and latest.reminder_channel == IntakeVersion.ReminderChannel.SMS


# --- Message kinds ------------------------------------------------------------------------------

FOLLOWUP = register_kind(
    MessageKind("followup", Purpose.CARE, channels=(Channel.EMAIL, Channel.CALL), refresh=followup_context)
)
