"""Benchmark: a large practice (20 therapists, 10,000 clients, 100,000 appointments over three
years) and the pages that read it: the calendar day view, an availability search, the checkout
screen and the rebooking figures.

    .venv/bin/python bench/schedule.py        (or: make bench)

Seeds practice "bench-large" once (about a minute) in the configured database, then prints the
median and 95th-percentile server time and the query count of each request. Goal: pages under
300 ms median on a laptop, and query counts that do not grow with the data (the tests pin them).
The rebooking figures are not there yet (about a second at this size): the "rebooked within
7 days" subquery runs once per visit; monthly figures kept by a nightly task are the next step.
"""

import os
import random
import statistics
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope  # noqa: E402

from clients.models import Client  # noqa: E402
from practice.models import Membership, Practice, User  # noqa: E402
from sessions.models import Appointment, CheckoutOutcome, Service, WorkingHours  # noqa: E402

THERAPISTS, CLIENTS, APPOINTMENTS, DAYS_BACK, DAYS_AHEAD = 20, 10_000, 100_000, 3 * 365, 14
GRID = [time(9), time(10, 15), time(11, 30), time(13, 30), time(14, 45), time(16), time(17, 15)]
RUNS = 15


def seed() -> Practice:
    practice, created = Practice.objects.get_or_create(
        slug="bench-large", defaults={"name": "Bench Large", "time_zone": "America/New_York"}
    )
    with scope(practice=practice):
        if Appointment.objects.filter(practice=practice).exists():
            return practice
        with transaction.atomic():
            _seed(practice)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE therapy_sessions_appointment; ANALYZE clients_client; ANALYZE therapy_sessions_checkoutoutcome"
        )
    return practice


def _seed(practice):
    rng = random.Random(7)
    therapists = []
    for n in range(THERAPISTS):
        user = User.objects.create_user(
            f"therapist{n}@bench-large.example", "bench-password-123", first_name=f"Therapist{n:02d}"
        )
        Membership.objects.create(practice=practice, user=user, role=Membership.Role.THERAPIST)
        therapists.append(user)
        for weekday in range(5):
            WorkingHours.objects.create(
                practice=practice, therapist=user, weekday=weekday, starts=time(9), ends=time(12, 45)
            )
            WorkingHours.objects.create(
                practice=practice, therapist=user, weekday=weekday, starts=time(13, 30), ends=time(18, 30)
            )
    owner = User.objects.create_user("owner@bench-large.example", "bench-password-123", first_name="Owner")
    Membership.objects.create(practice=practice, user=owner, role=Membership.Role.OWNER)
    service = Service.objects.create(
        practice=practice, name="Massage", duration_minutes=60, buffer_after_minutes=15, price=100
    )
    clients = Client.objects.bulk_create(
        Client(
            practice=practice, first_name=f"Client{n}", last_name=f"Bench{n % 997}", email=f"c{n}@bench-large.example"
        )
        for n in range(CLIENTS)
    )
    today = timezone.localdate(timezone=practice.zone)
    days = [today - timedelta(days=d) for d in range(DAYS_BACK, -DAYS_AHEAD, -1)]
    weekdays = [day for day in days if day.weekday() < 5]
    per_day = APPOINTMENTS / len(weekdays) / (THERAPISTS * len(GRID))
    now = timezone.now()
    rows = []
    for day in weekdays:
        for therapist in therapists:
            for at in GRID:
                if rng.random() > per_day or len(rows) >= APPOINTMENTS:
                    continue
                starts = datetime.combine(day, at).replace(tzinfo=practice.zone)
                past = starts < now
                rows.append(
                    Appointment(
                        practice=practice,
                        client=rng.choice(clients),
                        therapist=therapist,
                        service=service,
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=1),
                        blocked_until=starts + timedelta(hours=1, minutes=15),
                        status=rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0] if past else "booked",
                        cancel_reason="late" if past and rng.random() < 0.3 else "",
                        recommended_interval_days=rng.choice([7, 14, 28]) if past else None,
                    )
                )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    CheckoutOutcome.objects.bulk_create(
        (
            CheckoutOutcome(practice=practice, visit=visit, booked=rng.random() < 0.6, reason="")
            for visit in rows
            if visit.status == "completed"
        ),
        batch_size=5000,
    )


def measure(browser, label, url, params=None):
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = clock.perf_counter()
            response = browser.get(url, params or {})
            timings.append((clock.perf_counter() - started) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{label:<36} {statistics.median(timings):8.1f} {p95:8.1f} {len(queries):8d}")


def main():
    started = clock.perf_counter()
    practice = seed()
    with scope(practice=practice):
        count = Appointment.objects.filter(practice=practice).count()
        owner = User.objects.get(email="owner@bench-large.example")
        therapist = User.objects.get(email="therapist0@bench-large.example")
        yesterday = timezone.localdate(timezone=practice.zone) - timedelta(days=1)
        while yesterday.weekday() >= 5:
            yesterday -= timedelta(days=1)
        visit = (
            Appointment.objects.filter(
                practice=practice, status="completed", therapist=therapist, starts_at__date__lte=yesterday
            )
            .order_by("-starts_at")
            .first()
        )
        client = visit.client
        service = visit.service
    print(
        f"practice with {THERAPISTS} therapists, {CLIENTS} clients, {count} appointments "
        f"(ready in {clock.perf_counter() - started:.0f} s); {RUNS} runs each, server time in ms"
    )
    print(f"{'request':<36} {'median':>8} {'p95':>8} {'queries':>8}")
    browser = Browser(HTTP_HOST="localhost")
    browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    base = f"/p/{practice.slug}"
    today = timezone.localdate(timezone=practice.zone)
    measure(browser, "calendar day view (20 columns)", f"{base}/calendar/", {"date": today.isoformat()})
    measure(
        browser,
        "availability: anyone, 7 days",
        f"{base}/clients/{client.pk}/book/",
        {"service": service.pk, "therapist": "", "day": today.isoformat()},
    )
    measure(
        browser,
        "availability: one therapist, 7 days",
        f"{base}/clients/{client.pk}/book/",
        {"service": service.pk, "therapist": therapist.pk, "day": today.isoformat()},
    )
    measure(browser, "checkout screen", f"{base}/appointments/{visit.pk}/checkout/")
    measure(browser, "rebooking figures (12 months)", f"{base}/figures/")


if __name__ == "__main__":
    main()
