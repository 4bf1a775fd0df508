"""The bench data set, in two databases of its own beside the configured one:

- `<name>_bench_one`: one large practice, "bench-large" (20 therapists, 10,000 clients, 100,000
  appointments over three years and two weeks ahead, checkout outcomes for the completed ones);
- `<name>_bench_crowd`: a copy of it with 1,000 small practices added (a therapist, 20 clients and
  60 visits each), to show what other practices' rows cost a practice's pages.

Made once (about a minute) and migrated on every run, so a new index is there when measured.
"""

import random
from datetime import datetime, time, timedelta

import psycopg2
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django_scopes import scope

from clients.models import Client
from practice.models import Membership, Practice, User
from sessions.models import Appointment, CheckoutOutcome, Service, WorkingHours
from sessions.tests.factories import visit_row

THERAPISTS, CLIENTS, APPOINTMENTS, DAYS_BACK, DAYS_AHEAD = 20, 10_000, 100_000, 3 * 365, 14
GRID = [time(9), time(10, 15), time(11, 30), time(13, 30), time(14, 45), time(16), time(17, 15)]
CROWD, CROWD_CLIENTS, CROWD_VISITS = 1_000, 20, 60
PASSWORD = "bench-password-123"
SLUG = "bench-large"


def database_names() -> tuple[str, str]:
    base = connection.settings_dict["NAME"]
    return f"{base}_bench_one", f"{base}_bench_crowd"


def use_database(name: str) -> None:
    """Point Django's connection at another database of the same server."""
    connection.close()
    connection.settings_dict["NAME"] = name


def database_url(name: str) -> str:
    """The same server and database as a URL, for processes started by the bench (gunicorn)."""
    settings = connection.settings_dict
    host = settings.get("HOST") or "127.0.0.1"
    host = host.replace("/", "%2F")  # a Unix-socket directory
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{settings.get('USER') or 'postgres'}{password}@{host}{port}/{name}"


def prepare() -> tuple[str, str]:
    """Both databases, made if missing and migrated; the connection is left on the crowded one."""
    one, crowd = database_names()
    existing = _databases()
    if one not in existing:
        _create(one)
    use_database(one)
    call_command("migrate", verbosity=0)
    if not Practice.objects.filter(slug=SLUG).exists():
        _seed_large()
    if crowd not in existing:
        use_database(one)
        connection.close()
        _create(crowd, template=one)
    use_database(crowd)
    call_command("migrate", verbosity=0)
    if Practice.objects.count() < CROWD:
        _seed_crowd()
    for name in (one, crowd):
        use_database(name)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves tables: statistics and visibility map
    use_database(crowd)
    return one, crowd


def _admin():
    settings = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
    )
    admin.autocommit = True
    return admin


def _databases() -> set[str]:
    with _admin() as admin, admin.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cursor.fetchall()}


def _create(name: str, template: str | None = None) -> None:
    connections.close_all()
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        admin.close()


def _drop(name: str) -> None:
    connections.close_all()
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        admin.close()


def _seed_large() -> None:
    practice = Practice.objects.create(slug=SLUG, name="Bench Large", time_zone="America/New_York")
    with scope(practice=practice), transaction.atomic():
        rng = random.Random(7)
        therapists = []
        for n in range(THERAPISTS):
            user = User.objects.create_user(
                f"therapist{n}@bench-large.example", PASSWORD, first_name=f"Therapist{n:02d}"
            )
            Membership.objects.create(practice=practice, user=user, role=Membership.Role.THERAPIST)
            therapists.append(user)
            _weekday_hours(practice, user)
        for role in ("owner", "front_desk"):
            user = User.objects.create_user(f"{role}@bench-large.example", PASSWORD, first_name=role.title())
            Membership.objects.create(practice=practice, user=user, role=role)
        service = Service.objects.create(
            practice=practice, name="Massage", duration_minutes=60, buffer_after_minutes=15, price=100
        )
        clients = Client.objects.bulk_create(
            Client(
                practice=practice,
                first_name=f"Client{n}",
                last_name=f"Bench{n % 997}",
                email=f"c{n}@bench-large.example",
                phone=f"+1603555{n % 10000:04d}",
            )
            for n in range(CLIENTS)
        )
        today = timezone.localdate(timezone=practice.zone)
        days = [today - timedelta(days=d) for d in range(DAYS_BACK, -DAYS_AHEAD, -1)]
        weekdays = [day for day in days if day.weekday() < 5]
        share = APPOINTMENTS / len(weekdays) / (THERAPISTS * len(GRID))
        rows = []
        for day in weekdays:
            for therapist in therapists:
                for at in GRID:
                    if rng.random() <= share and len(rows) < APPOINTMENTS:
                        rows.append(_visit(practice, rng, rng.choice(clients), therapist, service, day, at))
        Appointment.objects.bulk_create(rows, batch_size=5000)
        CheckoutOutcome.objects.bulk_create(
            (
                CheckoutOutcome(practice=practice, visit=visit, booked=rng.random() < 0.6, reason="")
                for visit in rows
                if visit.status == "completed"
            ),
            batch_size=5000,
        )


def _weekday_hours(practice, user) -> None:
    WorkingHours.objects.bulk_create(
        WorkingHours(practice=practice, therapist=user, weekday=weekday, starts=starts, ends=ends)
        for weekday in range(5)
        for starts, ends in ((time(9), time(12, 45)), (time(13, 30), time(18, 30)))
    )


def _visit(practice, rng, client, therapist, service, day, at) -> Appointment:
    starts_at = datetime.combine(day, at).replace(tzinfo=practice.zone)
    past = starts_at < timezone.now()
    return visit_row(
        practice=practice,
        client=client,
        therapist=therapist,
        service=service,
        starts_at=starts_at,
        status=rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0] if past else "booked",
        cancel_reason="late" if past and rng.random() < 0.3 else "",
        recommended_interval_days=rng.choice([7, 14, 28]) if past else None,
    )


def _seed_crowd() -> None:
    """1,000 small practices: a therapist who owns the practice, 20 clients, 60 visits in a year."""
    rng = random.Random(11)
    today = timezone.localdate()
    with transaction.atomic():
        practices = Practice.objects.bulk_create(
            Practice(slug=f"crowd-{n:04d}", name=f"Crowd {n:04d}", time_zone="Europe/London") for n in range(CROWD)
        )
        users = User.objects.bulk_create(
            User(email=f"owner@crowd-{n:04d}.example", first_name=f"Crowd{n:04d}", password="!") for n in range(CROWD)
        )
        Membership.objects.bulk_create(
            Membership(practice=practice, user=user, role=Membership.Role.OWNER)
            for practice, user in zip(practices, users, strict=True)
        )
        for practice, user in zip(practices, users, strict=True):
            with scope(practice=practice):
                _weekday_hours(practice, user)
                service = Service.objects.create(practice=practice, name="Massage", duration_minutes=60)
                clients = Client.objects.bulk_create(
                    Client(practice=practice, first_name=f"Guest{n}", last_name="Crowd") for n in range(CROWD_CLIENTS)
                )
                days = [today - timedelta(days=rng.randrange(365)) for _ in range(CROWD_VISITS)]
                Appointment.objects.bulk_create(
                    _visit(practice, rng, rng.choice(clients), user, service, day, GRID[n % len(GRID)])
                    for n, day in enumerate(days)
                    if not _taken(days, n)
                )


def _taken(days, n) -> bool:
    """Two of a practice's visits on the same day and time would break the no-double-booking rule."""
    return any(days[m] == days[n] and m % len(GRID) == n % len(GRID) for m in range(n))
