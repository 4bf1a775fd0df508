"""Benchmark: the front desk's day grid on a full day of the bench practice (bench/data.py: 20
therapists, 100,000 appointments over three years), against the same day in a copy of the database
that holds only that day's visits (`<name>_bench_day`, made afresh each run, vacuumed and analysed),
measured alternately in one run: queries, median and p95 server time, the median CPU time per
request (`time.process_time`), and the ratio. The grid must cost the same whatever the size of the
history.

    .venv/bin/python bench/day_grid.py [--runs N]
"""

import argparse
import os
import statistics
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncDate  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope  # noqa: E402

from bench import data  # noqa: E402
from practice.models import Practice, User  # noqa: E402
from sessions.models import Appointment  # noqa: E402


def fullest_day(practice) -> datetime.date:
    """The coming day with the most visits (the bench books two weeks ahead)."""
    today = timezone.localdate(timezone=practice.zone)
    start = datetime.combine(today, time.min).replace(tzinfo=practice.zone)
    with scope(practice=practice):
        days = (
            Appointment.objects.filter(practice=practice, starts_at__gte=start)
            .filter(starts_at__lt=start + timedelta(days=14))
            .annotate(day=TruncDate("starts_at", tzinfo=practice.zone))
            .values("day")
            .annotate(visits=Count("id"))
            .order_by("-visits", "day")
        )
        return days[0]["day"]


def measure(browser, url, runs) -> dict:
    browser.get(url)  # templates compiled, caches filled
    walls, cpus = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            cpu, wall = clock.process_time(), clock.perf_counter()
            response = browser.get(url)
            walls.append((clock.perf_counter() - wall) * 1000)
            cpus.append((clock.process_time() - cpu) * 1000)
        assert response.status_code == 200
    blocks = response.content.count(b'class="appt ')
    return {
        "queries": len(queries),
        "median": statistics.median(walls),
        "p95": statistics.quantiles(walls, n=20)[-1],
        "cpu": statistics.median(cpus),
        "blocks": blocks,
    }


def day_only_copy(one: str, practice, day) -> str:
    """A copy of the bench database whose appointments are only `day`'s: the others (and what hangs
    on them: checkout outcomes, notes, offers) are gone, as in a practice with no history."""
    name = f"{one}_day"
    if name in data._databases():
        data._drop(name)
    data._create(name, template=one)
    data.use_database(name)
    start = datetime.combine(day, time.min).replace(tzinfo=practice.zone)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE kept AS SELECT * FROM therapy_sessions_appointment WHERE practice_id = %s"
            " AND starts_at >= %s AND starts_at < %s",
            [practice.pk, start, start + timedelta(days=1)],
        )
        cursor.execute("UPDATE kept SET booked_at_checkout_of_id = NULL")  # that visit is gone
        cursor.execute("TRUNCATE therapy_sessions_appointment CASCADE")
        cursor.execute("INSERT INTO therapy_sessions_appointment SELECT * FROM kept")
        cursor.execute("VACUUM ANALYZE")
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="requests per measurement (default 20)")
    options = parser.parse_args()
    one, _ = data.prepare()
    data.use_database(one)
    practice = Practice.objects.get(slug=data.SLUG)
    day = fullest_day(practice)
    url = f"/p/{practice.slug}/calendar/?date={day.isoformat()}"
    counts = {}
    with scope(practice=practice):
        counts[one] = Appointment.objects.filter(practice=practice).count()
    only_day = day_only_copy(one, practice, day)
    with scope(practice=practice):
        counts[only_day] = Appointment.objects.filter(practice=practice).count()
    labels = {one: "with the whole history", only_day: "with only that day's visits"}
    figures = {one: [], only_day: []}
    for _ in range(3):  # alternately, so that the machine's noise falls on both
        for name in (one, only_day):
            data.use_database(name)
            browser = Browser(HTTP_HOST="localhost")
            browser.force_login(User.objects.get(email="front_desk@bench-large.example"))
            figures[name].append(measure(browser, url, options.runs))

    print(f"day grid of {day:%A %-d %B %Y}, 20 therapists, as the front desk; 3 x {options.runs} requests each\n")
    print(f"{'':30} {'appointments':>12} {'queries':>8} {'blocks':>7} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7}")
    cpu = {}
    for name in (one, only_day):
        rounds = figures[name]
        cpu[name] = statistics.median(r["cpu"] for r in rounds)
        print(
            f"{labels[name]:30} {counts[name]:>12,} {rounds[0]['queries']:>8} {rounds[0]['blocks']:>7} "
            f"{statistics.median(r['median'] for r in rounds):>10.1f} "
            f"{statistics.median(r['p95'] for r in rounds):>8.1f} {cpu[name]:>7.1f}"
        )
    print(f"\nCPU with the whole history / with only the day: {cpu[one] / cpu[only_day]:.2f}x")


if __name__ == "__main__":
    main()
