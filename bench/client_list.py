"""Benchmark: the client list and search with 10,000 clients in one practice.

    .venv/bin/python bench/client_list.py        (or: make bench)

Seeds a practice "bench-10k" (synthetic clients, once) in the configured database (the embedded
PostgreSQL by default), then renders the list page the way a browser asks for it and prints the
median and 95th-percentile time and the query count for each request. Goal: under 150 ms median
per page on a laptop for every row below.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_scopes import scope  # noqa: E402

from clients.demo import FIRST_NAMES, LAST_NAMES  # noqa: E402
from clients.models import Client  # noqa: E402
from clients.selectors import client_search  # noqa: E402
from practice.models import Membership, Practice, User  # noqa: E402

CLIENTS = 10_000
RUNS = 20
REQUESTS = [
    ("first page of active clients", {}),
    ("page 100", {"page": 100}),
    ("search a last name", {"q": "merriweather"}),
    ("search two words", {"q": "quinn oldfield"}),
    ("search an email fragment", {"q": "@clients.bench"}),
    ("search phone digits", {"q": "5550199"}),
    ("everyone, page 50", {"segment": "all", "page": 50}),
]


def seed() -> tuple[Practice, User]:
    practice, _ = Practice.objects.get_or_create(slug="bench-10k", defaults={"name": "Bench 10k", "time_zone": "UTC"})
    owner = User.objects.filter(email="owner@bench-10k.example").first() or User.objects.create_user(
        "owner@bench-10k.example", "bench-password-123"
    )
    Membership.objects.get_or_create(practice=practice, user=owner, defaults={"role": "owner"})
    with scope(practice=practice):
        missing = CLIENTS - Client.objects.filter(practice=practice).count()
        if missing > 0:
            Client.objects.bulk_create(
                (
                    Client(
                        practice=practice,
                        first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                        last_name=f"{LAST_NAMES[(n // 20) % len(LAST_NAMES)]}{n // 300 or ''}",
                        email=f"c{n}@clients.bench.example",
                        phone=f"+1603555{n % 10000:04d}",
                        alerts="Latex allergy" if n % 50 == 0 else "",
                    )
                    for n in range(missing)
                ),
                batch_size=2000,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    return practice, owner


def main():
    practice, owner = seed()
    browser = Browser(HTTP_HOST="localhost")
    browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/p/{practice.slug}/clients/"
    print(f"{CLIENTS} clients, {RUNS} runs each (ms)")
    print(f"{'request':<32} {'median':>7} {'p95':>7} {'queries':>8} {'results':>8}")
    for label, params in REQUESTS:
        timings = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = browser.get(url, params)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        with scope(practice=practice):
            results = client_search(
                practice=practice, query=params.get("q", ""), segment=params.get("segment", "active")
            ).count()
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{label:<32} {statistics.median(timings):7.1f} {p95:7.1f} {len(queries):8d} {results:8d}")


if __name__ == "__main__":
    main()
