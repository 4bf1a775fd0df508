"""Benchmark: the screens a practice uses all day, on the bench data set (bench/data.py: a practice
with 20 therapists, 10,000 clients and 100,000 appointments, in a database that also holds 1,000
small practices), as figures that hold on a shared, noisy machine:

- per page (Django's test client, in this process): queries, median and p95 server time, and the
  median CPU time of this process per request (`time.process_time`; steadier than wall time);
- the plan PostgreSQL chooses for the calendar, availability, clash and search queries;
- the day calendar with 1,000 other practices in the database against the same page in a copy that
  holds only the large practice, measured alternately in one run (a ratio);
- the checkout page's throughput over HTTP (gunicorn, 2 workers) as a share of `/healthz`'s,
  both measured in the same rounds (a ratio; the median of the rounds);
- the session writes of an ordinary signed-in page.

    .venv/bin/python bench/pages.py [--runs N] [--rounds N] [--no-http]     (or: make bench)
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope  # noqa: E402

from bench import data  # noqa: E402
from practice.models import Practice, User  # noqa: E402
from sessions import services  # noqa: E402
from sessions.availability import open_slots  # noqa: E402
from sessions.models import Appointment, Service  # noqa: E402

ROW = "{:<44} {:>7} {:>8} {:>8} {:>8}"


class Bench:
    def __init__(self, runs: int):
        self.runs = runs
        self.practice = Practice.objects.get(slug=data.SLUG)
        self.base = f"/p/{self.practice.slug}"
        self.today = timezone.localdate(timezone=self.practice.zone)
        with scope(practice=self.practice):
            self.owner = User.objects.get(email="owner@bench-large.example")
            self.desk = User.objects.get(email="front_desk@bench-large.example")
            self.therapist = User.objects.get(email="therapist0@bench-large.example")
            self.service = Service.objects.get(practice=self.practice)
            self.visit = self._yesterdays_visit()
            self.client_id = self.visit.client_id
            self.feed_token = services.calendar_feed_renew(practice=self.practice, therapist=self.therapist)
        self.browsers = {}

    def _yesterdays_visit(self) -> Appointment:
        day = self.today - timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return (
            Appointment.objects.filter(
                practice=self.practice, therapist=self.therapist, status="completed", starts_at__date__lte=day
            )
            .order_by("-starts_at")
            .first()
        )

    def browser(self, user) -> Browser:
        key = (connection.settings_dict["NAME"], user.pk)
        if key not in self.browsers:
            self.browsers[key] = Browser(HTTP_HOST="localhost")
            self.browsers[key].force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return self.browsers[key]

    def page(self, label, user, url, params=None, headers=None) -> dict:
        browser = self.browser(user)
        browser.get(url, params or {}, headers=headers or {})  # compiles templates, fills caches
        walls, cpus = [], []
        for _ in range(self.runs):
            with CaptureQueriesContext(connection) as queries:
                cpu, wall = clock.process_time(), clock.perf_counter()
                response = browser.get(url, params or {}, headers=headers or {})
                walls.append((clock.perf_counter() - wall) * 1000)
                cpus.append((clock.process_time() - cpu) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        return self.row(label, len(queries), walls, cpus)

    def call(self, label, function) -> dict:
        walls, cpus = [], []
        for _ in range(self.runs):
            with CaptureQueriesContext(connection) as queries:
                cpu, wall = clock.process_time(), clock.perf_counter()
                function()
                walls.append((clock.perf_counter() - wall) * 1000)
                cpus.append((clock.process_time() - cpu) * 1000)
        return self.row(label, len(queries), walls, cpus)

    @staticmethod
    def row(label, queries, walls, cpus) -> dict:
        figure = {
            "label": label,
            "queries": queries,
            "median": statistics.median(walls),
            "p95": statistics.quantiles(walls, n=20)[-1],
            "cpu": statistics.median(cpus),
        }
        print(ROW.format(label, queries, f"{figure['median']:.1f}", f"{figure['p95']:.1f}", f"{figure['cpu']:.1f}"))
        return figure

    # --- the pages ---------------------------------------------------------------------------

    def pages(self) -> None:
        print(ROW.format("request (ms; CPU: this process per request)", "queries", "median", "p95", "CPU"))
        base, today = self.base, self.today.isoformat()
        self.page("day calendar (20 columns)", self.desk, f"{base}/calendar/", {"date": today})
        self.page("week view (one therapist)", self.desk, f"{base}/calendar/week/", {"therapist": self.therapist.pk})
        self.page("checkout (front desk)", self.desk, f"{base}/appointments/{self.visit.pk}/checkout/")
        self.page("checkout (owner)", self.owner, f"{base}/appointments/{self.visit.pk}/checkout/")
        self.page(
            "booking page's slot list (htmx, one therapist)",
            self.desk,
            f"{base}/clients/{self.client_id}/book/",
            {"service": self.service.pk, "therapist": self.therapist.pk, "day": today},
            headers={"HX-Request": "true"},
        )
        self.page("client search (10,000 clients)", self.desk, f"{base}/clients/", {"q": "bench42"})
        self.page("pre-session brief", self.therapist, f"{base}/clients/{self.client_id}/brief/")
        self.page("client's page and timeline (front desk)", self.desk, f"{base}/clients/{self.client_id}/")
        self.page("client's page and timeline (therapist)", self.therapist, f"{base}/clients/{self.client_id}/")
        self.page("rebooking figures (12 months)", self.owner, f"{base}/figures/")
        self.page(f"therapist's calendar feed (.ics, {self.feed_events()} events)", self.owner, self.feed_url())
        with scope(practice=self.practice):
            self.call(
                "availability: next 10 slots, 20 therapists, 60 days",
                lambda: open_slots(
                    practice=self.practice,
                    service=self.service,
                    start=self.today,
                    end=self.today + timedelta(days=59),
                    limit=10,
                ),
            )

    def feed_url(self) -> str:
        return f"/calendar-feed/{self.feed_token}.ics"

    def feed_events(self) -> int:
        response = self.browser(self.owner).get(self.feed_url())
        return response.content.count(b"BEGIN:VEVENT")

    def session_writes(self) -> None:
        browser = self.browser(self.desk)
        browser.get(f"{self.base}/calendar/today/")  # the first page after signing in may save
        with CaptureQueriesContext(connection) as queries:
            browser.get(f"{self.base}/calendar/today/")
        writes = [q for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
        print(f"\nsession writes on an ordinary signed-in page: {len(writes)}")

    # --- plans -------------------------------------------------------------------------------

    def plans(self) -> None:
        print("\nplans PostgreSQL chooses (each statement of the call that reads the table)")
        base, today = self.base, self.today.isoformat()
        checks = [
            ("day calendar", "therapy_sessions_appointment", lambda b: b.get(f"{base}/calendar/", {"date": today})),
            (
                "slot list (availability)",
                "therapy_sessions_appointment",
                lambda b: b.get(
                    f"{base}/clients/{self.client_id}/book/",
                    {"service": self.service.pk, "therapist": self.therapist.pk, "day": today},
                    headers={"HX-Request": "true"},
                ),
            ),
            ("client search", "clients_client", lambda b: b.get(f"{base}/clients/", {"q": "bench42"})),
        ]
        for label, table, request in checks:
            with CaptureQueriesContext(connection) as queries:
                request(self.browser(self.desk))
            scans = [scan for q in queries if table in q["sql"] for scan in explain(q["sql"], table)]
            print(f"  {label:<26} {'; '.join(sorted(set(scans))) or '(no statement on ' + table + ')'}")
        with scope(practice=self.practice), CaptureQueriesContext(connection) as queries:
            clash_probe(self.practice, self.therapist, self.visit)
        scans = [scan for q in queries for scan in explain(q["sql"], "therapy_sessions_appointment")]
        print(f"  {'booking clash check':<26} {'; '.join(sorted(set(scans))) or '(none)'}")

    # --- one practice against 1,000 ----------------------------------------------------------

    def crowd_ratio(self, one: str, crowd: str) -> None:
        """The day calendar in the crowded database and in the copy with one practice, alternately."""
        url, params = f"{self.base}/calendar/", {"date": self.today.isoformat()}
        timings = {one: [], crowd: []}
        sql = {one: [], crowd: []}
        desks = {}
        for name in (one, crowd):
            data.use_database(name)
            desks[name] = User.objects.get(email=self.desk.email)
            self.browser(desks[name]).get(url, params)  # warm the connection and the caches
        for _ in range(self.runs):
            for name in (one, crowd):
                data.use_database(name)
                browser = self.browser(desks[name])
                browser.get(url, params)  # reconnecting costs the first request; not measured
                timer = SqlTimer()
                with connection.execute_wrapper(timer):
                    started = clock.perf_counter()
                    assert browser.get(url, params).status_code == 200
                    timings[name].append(clock.perf_counter() - started)
                sql[name].append(timer.seconds)
        data.use_database(crowd)
        page = statistics.median(timings[crowd]) / statistics.median(timings[one])
        queries = statistics.median(sql[crowd]) / statistics.median(sql[one])
        print(
            f"\nday calendar, 1,000 practices in the database against one: {page:.2f}x the time "
            f"(its SQL {queries:.2f}x; medians of {self.runs} alternating runs)"
        )

    # --- over HTTP ---------------------------------------------------------------------------

    def http_ratio(self, rounds: int, database: str) -> None:
        browser = self.browser(self.desk)
        cookie = f"sessionid={browser.cookies['sessionid'].value}"
        path = f"{self.base}/appointments/{self.visit.pk}/checkout/"
        with Gunicorn(database) as server:
            ratios, floors, pages = [], [], []
            for _ in range(rounds):
                floor = server.throughput("/healthz", "")
                page = server.throughput(path, cookie)
                floors.append(floor)
                pages.append(page)
                ratios.append(page["per_second"] / floor["per_second"])
        print(
            f"\ncheckout over HTTP (gunicorn, 2 workers): {100 * statistics.median(ratios):.1f} % of /healthz's "
            f"throughput (median of {rounds} rounds; /healthz {_median(floors, 'per_second'):.0f}/s and "
            f"{_median(floors, 'cpu_ms'):.2f} ms of the workers' CPU a request, checkout "
            f"{_median(pages, 'per_second'):.0f}/s and {_median(pages, 'cpu_ms'):.2f} ms)"
        )


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


class SqlTimer:
    """Adds up the time the database takes for each statement of a request."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += clock.perf_counter() - started


def explain(sql: str, table: str) -> list[str]:
    """How `table` is read by a captured statement: 'Index Scan using x', 'Seq Scan', ..."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    scans = []
    for line in lines:
        found = SCAN.search(line)
        if not found:
            continue
        # "Bitmap Index Scan on x" names an index; "Bitmap Heap Scan on t" only repeats the table.
        index = found["table"] if found["scan"] == "Bitmap Index Scan" else found["index"]
        if found["scan"] == "Bitmap Heap Scan":
            continue
        if found["table"] == table or (index or "").startswith(INDEX_PREFIXES[table]):
            scans.append(found["scan"] + (f" using {index}" if index else ""))
    return scans


SCAN = re.compile(
    r"(?P<scan>(?:Parallel )?(?:Seq|Index Only|Index|Bitmap Index|Bitmap Heap) Scan)"
    r"(?: using (?P<index>\S+))?(?: on (?P<table>\S+))?"
)
# Bitmap index scans name only their index.
INDEX_PREFIXES = {
    "therapy_sessions_appointment": ("appointment", "therapy_sessions_appointment", "no_double_booking"),
    "clients_client": ("client", "clients_client"),
}


def clash_probe(practice, therapist, visit) -> None:
    """The booking service's clash check for a time that is taken."""
    services._clash(
        practice=practice, therapist_id=therapist.pk, starts_at=visit.starts_at, blocked_until=visit.blocked_until
    )


class Gunicorn:
    """The app under gunicorn (2 sync workers) on a free loopback port, with the bench settings."""

    def __init__(self, database: str):
        self.database = database
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def __enter__(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": data.database_url(self.database),
            "PYTHONPATH": str(ROOT),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = clock.monotonic() + 60
        while clock.monotonic() < deadline:
            try:
                if self.get("/healthz", "") == 200:
                    self.throughput("/healthz", "", seconds=0.5)  # both workers warm
                    return self
            except OSError:
                clock.sleep(0.2)  # not listening yet
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within a minute")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    def get(self, path: str, cookie: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def workers_cpu(self) -> float:
        """CPU seconds the gunicorn workers have used so far (user and system)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def throughput(self, path: str, cookie: str, seconds: float = 1.5, clients: int = 4) -> dict:
        """Requests per second from `clients` threads asking one after another for `seconds`, and
        the workers' CPU per request."""
        counts = [0] * clients
        failures = []
        stop = clock.monotonic() + seconds

        def ask(slot):
            while clock.monotonic() < stop:
                status = self.get(path, cookie)
                if status != 200:
                    failures.append(status)
                    return
                counts[slot] += 1

        threads = [threading.Thread(target=ask, args=(slot,)) for slot in range(clients)]
        cpu = self.workers_cpu()
        started = clock.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = clock.monotonic() - started
        if failures:
            raise RuntimeError(f"{path} answered {failures[0]}")
        return {"per_second": sum(counts) / elapsed, "cpu_ms": 1000 * (self.workers_cpu() - cpu) / sum(counts)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="requests per page (default 15)")
    parser.add_argument("--rounds", type=int, default=12, help="HTTP rounds (default 12)")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn throughput rounds")
    options = parser.parse_args()
    started = clock.perf_counter()
    one, crowd = data.prepare()
    bench = Bench(options.runs)
    print(
        f"bench data: {data.THERAPISTS} therapists, {data.CLIENTS} clients, {data.APPOINTMENTS} appointments, "
        f"and {Practice.objects.count() - 1} other practices (ready in {clock.perf_counter() - started:.0f} s); "
        f"{options.runs} requests each\n"
    )
    bench.pages()
    bench.session_writes()
    bench.plans()
    bench.crowd_ratio(one, crowd)
    if not options.no_http:
        bench.http_ratio(options.rounds, crowd)


if __name__ == "__main__":
    main()
