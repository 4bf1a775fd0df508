"""Demo history for the retention page: the demo schedule (sessions/demo.py) covers only the last
eight weeks, so every client's first visit would be recent. This adds former and long-standing
clients whose first visits fall in the fifteen months before it, with the visits that followed
(some came back, some did not), no-shows and cancellations, and checkout outcomes with the reasons
not rebooked. Synthetic; nothing recommends a next visit (no recalls, nobody due back), no visit
overlaps another of its therapist's, and all of them have ended. Runs once per practice."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone

from clients.models import Client
from practice.models import Practice
from sessions.availability import therapist_ids
from sessions.models import Appointment, CheckoutOutcome, Service

FIRST_NAMES = ["Alder", "Bryn", "Cass", "Della", "Emrys", "Fern", "Gale", "Hollis", "Idris", "Juno", "Kestrel", "Lark"]
LAST_NAMES = ["Ashdown", "Birchall", "Coombe", "Dunmore", "Eastleigh", "Fairholm", "Greaves", "Hartwell", "Ibbot"]
SLOTS = [time(9), time(10, 30), time(13, 30), time(15), time(16, 30)]
# New clients a month (a range) and the chance each one comes back within the window; the larger
# practice has enough new clients a month for percentages, the smaller one shows counts.
PACE = {"harbour-light": ((8, 13), 0.6), "cedar-stone": ((3, 6), 0.5)}
MONTHS_BACK, SCHEDULE_DAYS = 15, 56
REASONS = ["will_call"] * 4 + ["schedule_unknown"] * 3 + ["cost"] * 3 + ["not_needed"] * 2 + ["other"]


def seed_practice(practice: Practice) -> None:
    now = timezone.now()
    before_schedule = now - timedelta(days=SCHEDULE_DAYS + 1)
    if (
        practice.slug not in PACE
        or Appointment.objects.filter(practice=practice, starts_at__lt=before_schedule).exists()
    ):
        return
    services = list(Service.objects.filter(practice=practice, duration_minutes=60))  # one per slot
    therapists = therapist_ids(practice=practice)
    if not services or not therapists:
        return
    rng = random.Random(f"{practice.slug}-history")
    (fewest, most), back_chance = PACE[practice.slug]
    domain = practice.email.partition("@")[2] or "demo.example"
    today = timezone.localdate(timezone=practice.zone)
    taken, visits = _busy(practice), []
    for months_ago in range(MONTHS_BACK, 1, -1):
        month = (today.replace(day=1) - timedelta(days=30 * months_ago)).replace(day=1)
        for n in range(rng.randint(fewest, most)):
            first_day = month + timedelta(days=rng.randrange(28))
            client = Client.objects.create(
                practice=practice,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"past{months_ago}-{n}@clients.{domain}",
                heard_via=rng.choice(Client.HeardVia.values[:-1]),
                first_massage=rng.random() < 0.3,
            )
            therapist = rng.choice(therapists)
            day, came = first_day, rng.random() < back_chance
            while True:
                visit = _visit(practice, client, therapist, rng.choice(services), day, taken, rng, now)
                if visit is None:
                    break
                visits.append(visit)
                if visit.status == Appointment.Status.COMPLETED and not came:
                    break  # came once, never again
                # Back in two to nine weeks, a little less likely each time.
                day = visit.starts_at.astimezone(practice.zone).date() + timedelta(days=rng.randint(14, 63))
                came = rng.random() < 0.86
            _since(client, visits, rng)
    Appointment.objects.bulk_create(visits)
    for visit in visits:  # as if each had been booked two weeks ahead
        visit.created_at = visit.starts_at - timedelta(days=14)
    Appointment.objects.filter(practice=practice).bulk_update(visits, ["created_at"], batch_size=500)
    CheckoutOutcome.objects.bulk_create(
        CheckoutOutcome(
            practice=practice,
            visit=visit,
            booked=(booked := rng.random() < 0.45),
            reason="" if booked else rng.choice(REASONS),
        )
        for visit in visits
        if visit.status == Appointment.Status.COMPLETED
    )
    last_visits = {}
    for visit in visits:
        if visit.status == Appointment.Status.COMPLETED:
            last_visits[visit.client_id] = max(visit.starts_at, last_visits.get(visit.client_id, visit.starts_at))
    for client_id, last in last_visits.items():
        Client.objects.filter(practice=practice, pk=client_id).update(last_visit_at=last)


def _busy(practice) -> dict:
    """(therapist, day) -> the times its active visits hold, from the demo schedule."""
    busy = defaultdict(list)
    held = Appointment.objects.filter(practice=practice, status__in=Appointment.ACTIVE)
    for therapist, starts, until in held.values_list("therapist_id", "starts_at", "blocked_until"):
        busy[therapist, starts.astimezone(practice.zone).date()].append((starts, until))
    return busy


def _visit(practice, client, therapist, service, day, busy, rng, now):
    """A visit on `day` or the next weekday slot free for the therapist; None once it would not
    have ended by now."""
    for _ in range(30):
        if day.weekday() < 5:
            for at in rng.sample(SLOTS, len(SLOTS)):
                starts = datetime.combine(day, at).replace(tzinfo=practice.zone)
                ends = starts + timedelta(minutes=service.duration_minutes)
                until = ends + timedelta(minutes=service.buffer_after_minutes)
                if until >= now:
                    return None
                held = busy[therapist, day]
                if any(
                    starts < other_until and other_starts < until for other_starts, other_until in busy[therapist, day]
                ):
                    continue
                status = rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0]
                if status != "cancelled":
                    held.append((starts, until))
                return Appointment(
                    practice=practice,
                    client=client,
                    therapist_id=therapist,
                    service=service,
                    starts_at=starts,
                    ends_at=ends,
                    blocked_until=until,
                    status=status,
                    cancel_reason="client" if status == "cancelled" else "",
                    cancelled_at=starts - timedelta(days=1) if status == "cancelled" else None,
                )
        day += timedelta(days=1)
    return None


def _since(client, visits, rng) -> None:
    """The client's record was made a few days before their first visit."""
    mine = [visit.starts_at for visit in visits if visit.client is client]
    if mine:
        created = min(mine) - timedelta(days=rng.randint(1, 6))
        Client.objects.filter(practice=client.practice, pk=client.pk).update(created_at=created)
