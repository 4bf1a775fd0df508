"""Reads for the calendar, the checkout screen and the due-back list. Call inside the practice's
scope; lookups by id name the practice, so another practice's appointment is 'not found'."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from clients.timeline import Action, Entry
from practice.models import Practice, User

from .availability import bookable_people
from .models import (
    Appointment,
    CheckoutOutcome,
    NoteAddendum,
    SessionNote,
    TreatmentPlan,
    WaitlistEntry,
    WaitlistOffer,
)
from .notes import plan_progress


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


# --- The client's timeline (clients/timeline.py) ----------------------------------------------

CHECKOUT_STAYS_OPEN = timedelta(days=7)
VISIT_TONES = {"booked": "primary", "arrived": "info", "completed": "success", "no_show": "danger"}


def visits_timeline(query) -> list[Entry]:
    """The client's visits: the coming ones and a page of the past, each with its service,
    therapist, room and checkout outcome; two queries (one on a later page). Actions (move, cancel,
    book again, check out) for a role that books."""
    visits = Appointment.objects.filter(practice=query.practice, client=query.client).select_related(
        "service", "therapist", "room", "checkout"
    )
    may_book = query.may("appointments.book")
    return [_visit_entry(query, visit, may_book) for visit in query.around(visits, "starts_at")]


def _visit_entry(query, visit: Appointment, may_book: bool) -> Entry:
    url = reverse("sessions:appointment", kwargs={"practice_slug": query.practice.slug, "appointment_id": visit.pk})
    outcome = _checkout_of(visit)
    return Entry(
        when=visit.starts_at,
        title=visit.service.name,
        detail=" · ".join(_visit_details(query, visit, outcome)),
        status=visit.get_status_display(),
        tone=VISIT_TONES.get(visit.status, "secondary"),
        url=url,
        actions=_visit_actions(query, visit, outcome, url) if may_book else (),
    )


def _visit_details(query, visit: Appointment, outcome: CheckoutOutcome | None) -> list[str]:
    """Who, where, and how it ended: cancelled why, rebooked at checkout or why not, the advice."""
    details = [f"with {visit.therapist}"]
    if visit.room:
        details.append(str(visit.room))
    if visit.booked_at_checkout_of_id:
        details.append("booked at checkout")
    if visit.cancel_reason:
        details.append(visit.get_cancel_reason_display())
    if outcome is not None and outcome.booked:
        details.append("next visit booked at checkout")
    elif outcome is not None:
        reason = outcome.get_reason_display() or "no reason given"
        details.append(f"not rebooked: {reason}" + (f" ({outcome.note})" if outcome.note else ""))
    elif visit.status == Appointment.Status.COMPLETED and _checkout_open(query, visit):
        details.append("not checked out yet")
    if visit.status == Appointment.Status.COMPLETED and visit.recommended_interval_days:
        details.append(f"advised: next visit in {visit.recommended_interval_days} days")
    return details


def _visit_actions(query, visit: Appointment, outcome: CheckoutOutcome | None, url: str) -> tuple[Action, ...]:
    """What the desk does next with this visit: move or cancel a coming one, mark one that has
    begun, check out a recent one, book again after a cancellation or a checkout without a booking.
    Older visits are history and offer nothing."""
    Status = Appointment.Status
    slug = query.practice.slug
    visit_kwargs = {"practice_slug": slug, "appointment_id": visit.pk}
    book = Action("Book again", reverse("sessions:book", kwargs={"practice_slug": slug, "client_id": visit.client_id}))
    if visit.status == Status.BOOKED and visit.starts_at > query.now:
        return (
            Action("Move", reverse("sessions:move", kwargs=visit_kwargs)),
            Action("Cancel…", f"{url}#cancel", "outline-danger"),
        )
    if visit.status in (Status.BOOKED, Status.ARRIVED):
        return (Action("Mark arrived or completed", url, "outline-primary"),)
    if visit.status in (Status.CANCELLED, Status.NO_SHOW):
        return (book,)
    if not _checkout_open(query, visit):
        return ()
    if outcome is None:
        return (Action("Check out", reverse("sessions:checkout", kwargs=visit_kwargs), "outline-primary"),)
    return () if outcome.booked else (book,)


def _checkout_open(query, visit: Appointment) -> bool:
    """A checkout is still worth offering for a visit of the last week; older ones are history."""
    return visit.starts_at > query.now - CHECKOUT_STAYS_OPEN


def _checkout_of(visit: Appointment) -> CheckoutOutcome | None:
    try:
        return visit.checkout
    except CheckoutOutcome.DoesNotExist:
        return None


def notes_timeline(query) -> list[Entry]:
    """The client's session notes (signed or draft) and addenda, with a short excerpt: health
    information, for clinical roles (the view records the read). Two queries."""
    slug = query.practice.slug
    notes = SessionNote.objects.filter(practice=query.practice, client=query.client).select_related("visit__service")
    notes = notes.annotate(at=Coalesce("signed_at", "created_at"))
    addenda = NoteAddendum.objects.filter(practice=query.practice, note__client=query.client).select_related(
        "note__visit", "author"
    )
    entries = []
    for note in query.past(notes, "at"):
        visit_kwargs = {"practice_slug": slug, "appointment_id": note.visit_id}
        entries.append(
            Entry(
                when=note.at,
                title=f"Session note · {note.visit.service.name}",
                detail=_excerpt(note.assessment or note.subjective or note.tissue_quality),
                status="Signed" if note.is_signed else "Draft",
                tone="success" if note.is_signed else "warning",
                url=reverse("sessions:note" if note.is_signed else "sessions:note-edit", kwargs=visit_kwargs),
            )
        )
    for addendum in query.past(addenda, "created_at"):
        visit = addendum.note.visit
        entries.append(
            Entry(
                when=addendum.created_at,
                title=f"Addendum to the note of {_local(query, visit.starts_at):%-d %b %Y}",
                detail=f"{addendum.author}: {_excerpt(addendum.text)}",
                url=reverse("sessions:note", kwargs={"practice_slug": slug, "appointment_id": visit.pk}),
            )
        )
    return entries


def plans_timeline(query) -> list[Entry]:
    """The client's treatment plans with their progress (completed visits since each started, read
    in the same query), at the day each starts."""
    done = (
        Appointment.objects.filter(
            practice=OuterRef("practice"),
            client=OuterRef("client"),
            status=Appointment.Status.COMPLETED,
            starts_at__date__gte=OuterRef("starts_on"),  # in the current (the practice's) zone, as plan_progress
        )
        .values("client")
        .annotate(n=Count("id"))
        .values("n")
    )
    plans = (
        TreatmentPlan.objects.filter(practice=query.practice, client=query.client)
        .select_related("phase")
        .annotate(done=Coalesce(Subquery(done), Value(0)))
    )
    today = _local(query, query.now).date()
    url = reverse("sessions:progress", kwargs={"practice_slug": query.practice.slug, "client_id": query.client.pk})
    entries = []
    for plan in query.around(plans, "starts_on", days=True):
        details = [plan.goals.strip()[:120]] if plan.goals.strip() else []
        if plan.review_on:
            details.append(f"review on {plan.review_on:%-d %b %Y}")
        status, tone = plan.get_status_display(), "secondary"
        if plan.status == TreatmentPlan.Status.ACTIVE:
            progress = plan_progress(plan=plan, today=today, done=plan.done)
            planned = f" of {progress.planned}" if progress.planned else ""
            status = f"{progress.done}{planned} done · {'on track' if progress.on_track else 'behind'}"
            tone = "success" if progress.on_track else "warning"
        entries.append(
            Entry(
                when=query.day_start(plan.starts_on),
                title=f"{plan.phase} plan · {plan.rhythm}",
                detail=" · ".join(details),
                status=status,
                tone=tone,
                url=url,
                all_day=True,
            )
        )
    return entries


WAITLIST_TONES = {"active": "info", "booked": "success", "removed": "secondary"}
OFFER_TONES = {"offered": "info", "claimed": "success", "taken": "warning"}


def waitlist_timeline(query) -> list[Entry]:
    """The client's waitlist entries (when added, for what, where they stand) and the times offered
    to them (and how each ended): two queries."""
    slug = query.practice.slug
    entries = WaitlistEntry.objects.filter(practice=query.practice, client=query.client).select_related(
        "service", "therapist"
    )
    offers = WaitlistOffer.objects.filter(practice=query.practice, client=query.client).select_related(
        "service", "therapist"
    )
    found = []
    for entry in query.past(entries, "created_at"):
        person = str(entry.therapist) if entry.therapist else "anyone"  # a name, else the email
        found.append(
            Entry(
                when=entry.created_at,
                title=f"On the waitlist · {entry.service.name}",
                detail=f"with {person}, until {entry.until:%-d %b %Y}" + (f" · {entry.note}" if entry.note else ""),
                status=entry.get_status_display(),
                tone=WAITLIST_TONES.get(entry.status, "secondary"),
                url=reverse("sessions:waitlist-entry", kwargs={"practice_slug": slug, "entry_id": entry.pk}),
            )
        )
    for offer in query.past(offers, "created_at"):
        found.append(
            Entry(
                when=offer.created_at,
                title=f"Offered {_local(query, offer.starts_at):%a %-d %b, %H:%M} · {offer.service.name}",
                detail=f"with {offer.therapist}",
                status=offer.get_outcome_display(),
                tone=OFFER_TONES.get(offer.outcome, "secondary"),
                url=reverse("sessions:waitlist-entry", kwargs={"practice_slug": slug, "entry_id": offer.entry_id}),
            )
        )
    return found


def _local(query, moment: datetime) -> datetime:
    return timezone.localtime(moment, query.practice.zone)


def _excerpt(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Whose records a therapist reads (clients.record_access) ----------------------------------------


def clients_in_care_of(practice: Practice, user_id):
    """The ids of the clients `user_id` has seen or is booked with: an appointment with them, past or
    coming, in any status but cancelled (a one-column queryset, read as a subquery)."""
    return (
        Appointment.objects.filter(practice=practice, therapist_id=user_id)
        .exclude(status=Appointment.Status.CANCELLED)
        .values("client_id")
    )


def appointment_client(practice: Practice, appointment_id):
    """The client of the visit `appointment_id` names (a one-column queryset)."""
    return Appointment.objects.filter(practice=practice, pk=appointment_id).values("client_id")


def plan_client(practice: Practice, plan_id):
    """The client of the treatment plan `plan_id` names (a one-column queryset)."""
    return TreatmentPlan.objects.filter(practice=practice, pk=plan_id).values("client_id")
