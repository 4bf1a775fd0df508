"""Benchmark: the owner's retention page and its cohort chart on the bench data set (bench/data.py:
a practice with 20 therapists, 10,000 clients and 100,000 appointments over three years, in a
database that also holds 1,000 small practices): queries, median and p95 server time, and the
median CPU time of this process per request (`time.process_time`; steadier than wall time, and it
leaves out PostgreSQL's own work, which the SQL column gives); then how PostgreSQL reads the
appointments for the page's figures. Goal: under 300 ms, with as many queries whatever the history.

    .venv/bin/python bench/retention.py [--runs N]     (or: make bench)
"""

import argparse
import os
import statistics
import sys
import time as clock
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
from bench.pages import SqlTimer, explain  # noqa: E402
from insights import selectors  # noqa: E402
from practice.models import Practice, User  # noqa: E402

GOAL_MS = 300
ROW = "{:<34} {:>7} {:>8} {:>8} {:>8} {:>8}"


def measure(browser, url, runs) -> dict:
    browser.get(url)  # templates compiled, caches filled
    walls, cpus, sql = [], [], []
    for _ in range(runs):
        timer = SqlTimer()
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer):
            cpu, wall = clock.process_time(), clock.perf_counter()
            response = browser.get(url)
            walls.append((clock.perf_counter() - wall) * 1000)
            cpus.append((clock.process_time() - cpu) * 1000)
        sql.append(timer.seconds * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "queries": len(queries),
        "median": statistics.median(walls),
        "p95": statistics.quantiles(walls, n=20)[-1],
        "cpu": statistics.median(cpus),
        "sql": statistics.median(sql),
    }


def worst_case(practice, runs) -> None:
    """The bench's clients mostly came first in its first year; cohorts reaching back over the whole
    history make every one of them a new client whose later visits are read (the query's costly part)."""
    now = timezone.now()
    months = selectors._month_starts(practice, now, 40)
    walls = []
    with scope(practice=practice):
        for _ in range(runs):
            started = clock.perf_counter()
            rows = selectors._first_visit_rows(practice, now, months)
            walls.append((clock.perf_counter() - started) * 1000)
    clients = sum(row["new"] for row in rows)
    print(
        f"\nthe first-visit query with cohorts over the whole history ({clients} new clients): "
        f"median {statistics.median(walls):.1f} ms"
    )


def plans(practice) -> None:
    """Each statement of the figures that reads the appointments, and how it reads them."""
    with scope(practice=practice), CaptureQueriesContext(connection) as queries:
        selectors.retention_figures(practice=practice, now=timezone.now())
    print("\nplans PostgreSQL chooses for the figures' statements on therapy_sessions_appointment")
    for n, query in enumerate(queries, 1):
        if "therapy_sessions_appointment" in query["sql"]:
            scans = explain(query["sql"], "therapy_sessions_appointment")
            print(f"  statement {n}: {'; '.join(scans)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="requests per page (default 15)")
    options = parser.parse_args()
    data.prepare()  # leaves the connection on the crowded database
    practice = Practice.objects.get(slug=data.SLUG)
    browser = Browser(HTTP_HOST="localhost")
    browser.force_login(User.objects.get(email="owner@bench-large.example"))
    base = f"/p/{practice.slug}/figures/retention"
    with scope(practice=practice):
        figures = selectors.retention_figures(practice=practice, now=timezone.now())
    new = sum(cohort.clients for cohort in figures["cohorts"])
    print(
        f"retention page, {data.THERAPISTS} therapists, {data.CLIENTS} clients, {data.APPOINTMENTS} appointments "
        f"({new} clients with a first visit in the last two years), {Practice.objects.count() - 1} other practices; "
        f"{options.runs} requests each\n"
    )
    print(ROW.format("request (ms; CPU: this process)", "queries", "median", "p95", "CPU", "SQL"))
    results = {}
    for label, url in (("retention page", f"{base}/"), ("cohort chart (SVG)", f"{base}/chart.svg")):
        figure = measure(browser, url, options.runs)
        results[label] = figure
        print(
            ROW.format(
                label,
                figure["queries"],
                f"{figure['median']:.1f}",
                f"{figure['p95']:.1f}",
                f"{figure['cpu']:.1f}",
                f"{figure['sql']:.1f}",
            )
        )
    worst_case(practice, options.runs)
    plans(practice)
    page = results["retention page"]
    verdict = "within" if page["median"] < GOAL_MS else "OVER"
    print(f"\nretention page: median {page['median']:.0f} ms, {verdict} the {GOAL_MS} ms goal")
    print(f"queries: {page['queries']}, whatever the history (insights/tests/test_retention.py pins them)")


if __name__ == "__main__":
    main()
