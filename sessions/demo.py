"""Demo schedule: services, working hours, and appointments from eight weeks ago to two weeks
ahead (today included, so the checkout can be tried). Synthetic; no confirmations are sent."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_scopes import scope

from clients.models import Client, note_areas
from practice.models import Practice

from .availability import therapist_ids
from .models import Appointment, CheckoutOutcome, Room, Service, WaitlistEntry, WorkingHours

SERVICES = [
    ("Swedish massage", 60, 90),
    ("Deep tissue", 60, 105),
    ("Hot stone", 90, 140),
    ("Express back and neck", 30, 55),
]
GRID = [time(9), time(10, 30), time(13, 30), time(15), time(16, 30)]


def seed_practice(practice: Practice) -> None:
    with scope(practice=practice):
        if Service.objects.filter(practice=practice).exists():
            return
        services = [
            Service.objects.create(practice=practice, name=name, duration_minutes=minutes, price=price)
            for name, minutes, price in SERVICES
        ]
        if practice.slug == "harbour-light":
            for name in ("Garden room", "Harbour room"):
                Room.objects.create(practice=practice, name=name)
        therapists = therapist_ids(practice=practice)
        for therapist in therapists:
            for weekday in range(5):
                WorkingHours.objects.create(
                    practice=practice, therapist_id=therapist, weekday=weekday, starts=time(9), ends=time(12, 30)
                )
                WorkingHours.objects.create(
                    practice=practice, therapist_id=therapist, weekday=weekday, starts=time(13, 30), ends=time(18)
                )
        _appointments(practice, services, therapists)
        _waitlist(practice, services, therapists)


def _appointments(practice, services, therapists):
    rng = random.Random(f"{practice.slug}-schedule")
    clients = list(Client.objects.filter(practice=practice))
    rooms = list(Room.objects.filter(practice=practice))
    today = timezone.localdate(timezone=practice.zone)
    now = timezone.now()
    appointments = []
    for offset in range(-56, 15):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for slot_number, at in enumerate(GRID):
            seen = rng.sample(clients, len(therapists))  # nobody is in two rooms at once
            for index, therapist in enumerate(therapists):
                if rng.random() > 0.6:
                    continue
                service = services[0] if at == time(16, 30) else rng.choice(services[:2])
                starts = datetime.combine(day, at).replace(tzinfo=practice.zone)
                ends = starts + timedelta(minutes=service.duration_minutes)
                past = ends < now
                status = Appointment.Status.BOOKED
                if past:
                    status = rng.choices([Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW], [0.95, 0.05])[0]
                appointments.append(
                    Appointment(
                        practice=practice,
                        client=seen[index],
                        therapist_id=therapist,
                        service=service,
                        room=rooms[(index + slot_number) % len(rooms)] if rooms and index < len(rooms) else None,
                        starts_at=starts,
                        ends_at=ends,
                        blocked_until=ends + timedelta(minutes=service.buffer_after_minutes),
                        status=status,
                        recommended_interval_days=rng.choice([7, 14, 28]) if past else None,
                    )
                )
    Appointment.objects.bulk_create(appointments)
    # As if each visit had been booked a week ahead (rebooking figures look at when bookings were made).
    # Worked out here, not in SQL: Citus refuses an UPDATE that does date arithmetic on a column.
    for visit in appointments:
        visit.created_at = visit.starts_at - timedelta(days=7)
    Appointment.objects.filter(practice=practice).bulk_update(appointments, ["created_at"], batch_size=500)
    outcomes = []
    for visit in appointments:
        if visit.status == Appointment.Status.COMPLETED:
            booked = rng.random() < 0.62
            reason = "" if booked else rng.choice(CheckoutOutcome.Reason.values)
            outcomes.append(CheckoutOutcome(practice=practice, visit=visit, booked=booked, reason=reason))
    CheckoutOutcome.objects.bulk_create(outcomes)
    _notes(practice, appointments, rng)
    for client in clients:
        last = max((a.starts_at for a in appointments if a.client == client and a.status == "completed"), default=None)
        if last:
            Client.objects.filter(pk=client.pk).update(last_visit_at=last)


DEMO_AREAS = ["neck_left", "neck_right", "shoulder_left", "shoulder_right", "upper_back_right"]


def _areas_for(intake) -> list[str]:
    """The areas a demo note worked: the client's focus areas, or neck and shoulders without an
    intake. The client who asked to avoid the shoulders had them worked anyway (the owner's
    figures of notes against the client's wishes have one to count)."""
    if intake is None:
        return DEMO_AREAS
    areas = note_areas(intake.focus_areas)
    if "shoulders" in intake.avoid_areas:
        areas += ["shoulder_left", "shoulder_right"]
    return areas


def _notes(practice, appointments, rng):
    """Signed notes for most completed visits, pain easing over time, and a few treatment plans."""
    from clients.selectors import latest_intake

    from .models import CarePhase, SessionNote, TreatmentPlan
    from .notes import ensure_practice_lists
    from .wishes import against_wishes

    ensure_practice_lists(practice)
    seen = {}
    notes = []
    intakes = {}
    for visit in sorted(appointments, key=lambda a: a.starts_at):
        if visit.status != Appointment.Status.COMPLETED or rng.random() > 0.85:
            continue
        count = seen[visit.client_id] = seen.get(visit.client_id, 0) + 1
        if visit.client_id not in intakes:
            intakes[visit.client_id] = latest_intake(client=visit.client)
        intake = intakes[visit.client_id]
        guessed_pressure = rng.choice(["medium", "firm"])
        note = SessionNote(
            practice=practice,
            visit=visit,
            client=visit.client,
            therapist_id=visit.therapist_id,
            subjective="Shoulders tight after a long week at the desk.",
            assessment="Responded well; tissue softened.",
            pain_ratings={"neck": max(1, 7 - count), "shoulders": max(0, 6 - count // 2)},
            pressure_used=intake.pressure if intake else guessed_pressure,
            areas_worked=_areas_for(intake),
            pressure_feedback="right",
            plan_focus="Upper trapezius and levator scapulae",
            plan_interval_days=14,
            home_care="Doorway stretch twice a day",
            client_summary="Your upper back was tight and eased well.",
            summary_approved=True,
            duration_minutes=visit.service.duration_minutes,
            signed_at=visit.ends_at,
        )
        # As signing would have recorded it: the demo's shoulder-avoiding client had them worked.
        note.against_wishes = [wish.kind for wish in against_wishes(note=note, intake=intake)]
        notes.append(note)
    SessionNote.objects.bulk_create(notes)
    relief = CarePhase.objects.get(practice=practice, name="Relief")
    today = timezone.localdate(timezone=practice.zone)
    for client_id in list(seen)[:4]:
        TreatmentPlan.objects.create(
            practice=practice,
            client_id=client_id,
            phase=relief,
            sessions_planned=6,
            every_days=7,
            starts_on=today - timedelta(days=35),
            goals="Turn my head freely",
        )


# Who waits, and for what: cancel an upcoming visit in the demo and the time is offered to those it suits.
WAITING = [
    ([], time(9), time(18)),  # any weekday, any time in opening hours
    ([0, 2, 4], time(9), time(12, 30)),  # Monday, Wednesday or Friday mornings
    ([1, 3], time(13, 30), time(18)),  # Tuesday or Thursday afternoons
    ([], time(15), time(18)),  # after school, any day
]


def _waitlist(practice, services, therapists):
    rng = random.Random(f"{practice.slug}-waitlist")
    clients = [client for client in Client.objects.filter(practice=practice).order_by("last_name") if client.email]
    if len(clients) < len(WAITING):
        return
    today = timezone.localdate(timezone=practice.zone)
    entries = []
    for index, client in enumerate(rng.sample(clients, len(WAITING))):
        weekdays, earliest, latest = WAITING[index]
        entries.append(
            WaitlistEntry(
                practice=practice,
                client=client,
                service=services[index % 2],
                therapist_id=therapists[0] if index == 1 and therapists else None,  # one waits for a favourite
                weekdays=weekdays,
                earliest=earliest,
                latest=latest,
                until=today + timedelta(days=rng.choice([14, 21, 28])),
            )
        )
    WaitlistEntry.objects.bulk_create(entries)
