"""Reads for the calendar, the checkout screen and the due-back list. Call inside the practice's
scope; lookups by id name the practice, so another practice's appointment is 'not found'."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from practice.models import Practice, User

from .availability import bookable_people
from .models import Appointment, WaitlistEntry, WaitlistOffer


def appointment_get(*, practice: Practice, appointment_id) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("client", "therapist", "service", "room"),
        practice=practice,
        pk=appointment_id,
    )


def checkout_visit(*, practice: Practice, appointment_id) -> Appointment:
    """The visit as the checkout screen reads it: with its client, therapist, service, room, the
    checkout already recorded (and who recorded it) and the note, in one query."""
    return get_object_or_404(
        Appointment.objects.select_related(
            "client", "therapist", "service", "room", "checkout", "checkout__recorded_by", "note"
        ),
        practice=practice,
        pk=appointment_id,
    )


def booked_at_checkout(*, practice: Practice, visit: Appointment) -> list[Appointment]:
    """The visits booked at `visit`'s checkout that still stand (not cancelled or missed), in order."""
    return list(
        Appointment.objects.filter(practice=practice, booked_at_checkout_of=visit, status__in=Appointment.ACTIVE)
        .select_related("therapist")
        .order_by("starts_at")
    )


def therapists(*, practice: Practice) -> list[User]:
    return list(bookable_people(practice=practice))


def _day_bounds(practice, day: date) -> tuple[datetime, datetime]:
    zone = practice.zone
    return (
        datetime.combine(day, time.min).replace(tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=zone),
    )


def today_for(*, practice: Practice, therapist_id) -> list[Appointment]:
    start, end = _day_bounds(practice, timezone.localdate(timezone=practice.zone))
    return list(
        Appointment.objects.filter(
            practice=practice, therapist_id=therapist_id, starts_at__gte=start, starts_at__lt=end
        ).select_related("client", "service")
    )


def next_booked(*, practice: Practice, client_id, after: datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            practice=practice, client_id=client_id, starts_at__gt=after, status=Appointment.Status.BOOKED
        )
        .order_by("starts_at")
        .first()
    )


def due_back(*, practice: Practice, limit: int = 100):
    """Clients whose recommended interval since their last completed visit has passed with
    nothing booked since: each client's latest visit that was not cancelled or missed, when it is a
    completed visit with a recommendation whose interval has run out; most overdue first. The
    latest visits come from one backward walk of the (practice, client, starts_at) index, which
    carries the status and id for it; clients and therapists are joined to the rows shown only."""
    latest = (
        Appointment.objects.filter(practice=practice)
        .exclude(status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
        .order_by("-client_id", "-starts_at")
        .distinct("client_id")
        .values("id")
    )
    overdue = (
        Appointment.objects.filter(
            practice=practice,
            pk__in=latest,
            status=Appointment.Status.COMPLETED,
            recommended_interval_days__isnull=False,
        )
        .annotate(due_on=_due_on())
        .filter(due_on__lt=timezone.now())
        .order_by("due_on")
    )
    return (
        Appointment.objects.filter(practice=practice, pk__in=overdue.values("pk")[:limit])
        .annotate(due_on=_due_on())
        .select_related("client", "therapist")
        .order_by("due_on")
    )


def _due_on():
    return ExpressionWrapper(
        F("starts_at") + timedelta(days=1) * F("recommended_interval_days"), output_field=DateTimeField()
    )


# --- Waitlist -----------------------------------------------------------------------------------

WAITLIST_OFFERS_SHOWN = 60  # the latest offers on the waitlist page (older ones on each entry's page)


def waitlist_entries(*, practice: Practice):
    """The practice's waiting clients, longest waiting first, each with how many offers it had and
    how many are still open."""
    return (
        WaitlistEntry.objects.filter(practice=practice, status=WaitlistEntry.Status.ACTIVE)
        .select_related("client", "service", "therapist")
        .annotate(
            offer_count=Count("offers"),
            open_count=Count("offers", filter=Q(offers__outcome=WaitlistOffer.Outcome.OFFERED)),
        )
        .order_by("created_at")
    )


def waitlist_recent_offers(*, practice: Practice, limit: int = WAITLIST_OFFERS_SHOWN) -> list[WaitlistOffer]:
    """The latest offers, newest first: who was offered which time, its email's status, the outcome."""
    return list(
        WaitlistOffer.objects.filter(practice=practice)
        .select_related("client", "therapist", "service", "message")
        .order_by("-created_at", "starts_at")[:limit]
    )


def waitlist_entry_get(*, practice: Practice, entry_id) -> WaitlistEntry:
    """One entry (any status) with its offers; another practice's entry is 'not found'."""
    offers = WaitlistOffer.objects.filter(practice=practice).select_related("therapist", "service", "message")
    return get_object_or_404(
        WaitlistEntry.objects.select_related("client", "service", "therapist", "booked", "created_by").prefetch_related(
            Prefetch("offers", queryset=offers)
        ),
        practice=practice,
        pk=entry_id,
    )
