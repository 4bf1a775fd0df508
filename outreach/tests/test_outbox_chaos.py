"""Chaos for the outbox, in the suite: a burst of a few hundred messages through a real worker,
Redis and a loopback SMTP server, while the database drops the worker's connections and then the
worker is killed with SIGKILL. Every row ends sent and no copy is lost; the database fault sends
nothing twice, and the kill at most one copy per worker thread that had its server's reply but had
not committed it yet (README: "SMTP's own duplicate window")."""

from collections import Counter

import psycopg2
import pytest
from django.db import connection
from django_scopes import scope

from outbox.models import OutboxMessage
from outbox.services import enqueue_many
from outbox.tests.factories import note_kind
from outreach.tests.live import tick, wait_for
from outreach.tests.test_worker_delivery import _statuses, _ticked

pytestmark = [pytest.mark.worker, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

Status = OutboxMessage.Status
BURST = 300
WORKER_THREADS = 4  # outreach/tests/live.py WorkerProcess --concurrency


def _burst(practice):
    with scope(practice=practice):
        enqueue_many(
            practice=practice,
            kind=note_kind(),
            copies=[
                {
                    "address": f"burst{n}@clients.example",
                    "idempotency_key": f"burst:{n}",
                    "context": {"first_name": "B"},
                }
                for n in range(BURST)
            ],
        )
        return list(OutboxMessage.objects.filter(practice=practice, idempotency_key__startswith="burst:"))


def _terminate_other_connections() -> int:
    """What a database restart does to the workers: every other connection to this database ends."""
    settings_dict = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"] or None,
        ) as admin,
        admin.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [connection.connection.info.backend_pid if connection.connection else 0],
        )
        return cursor.fetchone()[0]


def _copies(smtp) -> Counter:
    return Counter(smtp.message_ids())


def test_a_burst_survives_a_dropped_database_and_a_killed_worker(practice, redis, smtp, workers):
    messages = _burst(practice)
    expected = {f"<{m.pk}@rebook.localhost>" for m in messages}
    smtp.delay_seconds = 0.01  # a real server's pace, so the faults land mid-burst
    first = workers.start()
    tick(redis.url)
    wait_for(lambda: len(smtp.messages) >= 60, timeout=60, message="the burst is under way")
    dropped = _terminate_other_connections()
    wait_for(lambda: len(smtp.messages) >= 150, timeout=60, interval=0.2, message="sending went on")
    twice_after_database = sum(n - 1 for n in _copies(smtp).values() if n > 1)

    first.kill()
    workers.start()
    wait_for(
        lambda: _ticked(redis.url) and _statuses(messages).get(Status.SENT, 0) == BURST,
        timeout=120,
        interval=0.5,
        message=f"every copy sent after the faults: {_statuses(messages)}",
    )
    copies = _copies(smtp)
    twice = sum(n - 1 for n in copies.values() if n > 1)
    assert set(copies) == expected  # none lost
    assert twice_after_database == 0, "the database fault sent a message twice"
    assert twice <= WORKER_THREADS, f"{twice} duplicates after one SIGKILL"
    print(
        f"chaos test: {BURST} messages; {dropped} database connections terminated mid-burst: 0 duplicates; "
        f"worker SIGKILLed mid-burst: {twice} duplicate(s) (bound {WORKER_THREADS}); all {BURST} sent"
    )
