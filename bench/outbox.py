"""Benchmark: the outbox end to end, from messages falling due to their arrival at a mail server.

    .venv/bin/python bench/outbox.py [--messages N]        (or: make bench)

Everything it uses is its own, so it collides with nothing else on the machine: a database
`rebook_bench_outbox` on the PostgreSQL at 127.0.0.1:5432 (dropped, created and migrated at the
start, dropped at the end), a private redis-server as the broker, and a loopback SMTP server on a
free port. Each run writes N messages (300 by default) due now with the real `enqueue`, then
dispatches them as beat does (the `dispatch_due_messages` task, through the broker) to 1, then
2, real Celery worker processes, which send them to the SMTP server. Per run it prints messages
per second per worker process, the lag from due time to SMTP receipt (p50, p99), CPU time, and
how many messages arrived against how many rows were sent (more arrived means duplicates).
Needs the test packages (aiosmtpd, factory-boy) and redis-server.
"""

import argparse
import contextlib
import email.parser
import logging
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "rebook_bench_outbox"
# Workers keep their database connections between tasks, as production does (CONN_MAX_AGE=600);
# with the test settings alone every task would open a connection of its own.
DATABASE_URL = f"{POSTGRES}/{DATABASE}?conn_max_age=600"
os.environ["DATABASE_URL"] = DATABASE_URL
# The test settings add outbox/tests/templates, where the test-only message kind's templates are,
# for this process and for the workers it starts (which inherit the setting).
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
# Until the private Redis is up nothing may be published anywhere real (not the folder broker
# `make run` uses, not the machine's Redis); main() then points this process at the private one.
os.environ["CELERY_BROKER_URL"] = "memory://"

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django_scopes import scope  # noqa: E402
from psycopg2 import sql  # noqa: E402

from config.celery_app import app as celery_app  # noqa: E402
from outbox.models import OutboxMessage, Purpose  # noqa: E402
from outbox.services import enqueue  # noqa: E402
from outbox.tasks import dispatch_due_messages  # noqa: E402
from outbox.tests.factories import note_kind  # noqa: E402
from outreach.tests.live import PrivateRedis, SmtpSink, WorkerProcess, tick  # noqa: E402
from practice.models import Practice  # noqa: E402

Status = OutboxMessage.Status
WORKER_COUNTS = (1, 2)
TICK_EVERY_SECONDS = 1.0
POLL_EVERY_SECONDS = 0.2
STALLED_AFTER_SECONDS = 30  # no row finished for this long: something is broken, stop waiting
# aiosmtpd narrates every SMTP command at INFO: thousands of lines, and CPU time in this process.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class TimedSmtpSink(SmtpSink):
    """The tests' loopback SMTP server, also noting when each message arrived (wall clock, the
    clock `due_at` is written with) and over how many connections they came."""

    def __init__(self):
        super().__init__()
        self.arrivals: list[tuple[str, float]] = []  # (Message-ID, time.time())
        self.peers: set = set()  # (address, port) of each client connection that delivered

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
            self.arrivals.append((headers["Message-ID"], time.time()))
            self.peers.add(session.peer)
        return reply


@dataclass
class Run:
    workers: int
    messages: int
    enqueue_seconds: float  # writing the N rows, in one transaction
    elapsed: float  # from the first dispatch until the last message arrived
    lags: list[float]  # per message, from its due time to its first arrival
    sent: int  # rows the outbox recorded as sent
    received: int  # messages the SMTP server accepted, repeats included
    unfinished: dict  # rows in any other state (failed, skipped, ...), by status
    smtp_connections: int
    cpu_here: float  # this process: enqueueing, ticking, polling, and the SMTP server's thread
    cpu_workers: float  # the worker processes, from just before enqueueing to the last row done
    dispatch_seconds: list[float]  # each dispatch task's run time (claiming, publishing)
    send_seconds: list[float]  # each sending task's run time, whatever the tasks are called

    @property
    def per_second_per_worker(self) -> float:
        return self.messages / self.elapsed / self.workers if self.elapsed else float("nan")

    @property
    def duplicates(self) -> int:
        return self.received - len(self.lags)


def main():
    options = parse_arguments()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` cleans up as Ctrl-C does
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    with contextlib.ExitStack() as cleanup:
        say(f"creating and migrating database {DATABASE}")
        create_database()
        cleanup.callback(drop_database)
        call_command("migrate", verbosity=0, interactive=False)
        broker = PrivateRedis()
        cleanup.callback(broker.stop)
        broker.start()
        # What this process publishes goes there too: enqueue may ask for a dispatch on commit.
        celery_app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = broker.url
        logs = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="rebook-bench-outbox-")))
        practice = Practice.objects.create(name="Bench Outbox Massage", slug="bench-outbox", time_zone="UTC")
        runs = [measure(practice, broker, logs, workers=count, messages=options.messages) for count in WORKER_COUNTS]
    report(runs, load=(load_before, os.getloadavg()[0]), wall=time.perf_counter() - started)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="messages per run (default 300)")
    return parser.parse_args()


def say(text: str):
    print(f"... {text}", file=sys.stderr, flush=True)


def create_database():
    """A database of the benchmark's own, empty: whatever an interrupted earlier run left goes."""
    drop_database()
    with _server() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def drop_database():
    connections.close_all()
    with _server() as cursor:
        # FORCE: a worker killed mid-task may not have closed its connection yet.
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


@contextlib.contextmanager
def _server():
    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    connection.autocommit = True  # CREATE and DROP DATABASE refuse to run in a transaction
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def measure(practice, broker, logs, *, workers: int, messages: int) -> Run:
    """One run: fresh workers, a fresh SMTP server and N fresh messages; everything it started is
    stopped when it returns or fails."""
    name = f"{workers}w"
    with contextlib.ExitStack() as stop:
        sink = stop.enter_context(TimedSmtpSink())
        say(f"{name}: starting {workers} worker process(es)")
        log_paths = [logs / f"{name}-{n}.log" for n in range(workers)]
        pids = [start_worker(stop, broker, sink, log_path) for log_path in log_paths]
        say(f"{name}: enqueueing {messages} messages and dispatching them")
        cpu_before, workers_cpu_before = time.process_time(), sum(map(cpu_seconds, pids))
        began = time.perf_counter()
        due = enqueue_messages(practice, name, messages)
        enqueue_seconds = time.perf_counter() - began
        first_dispatch = time.time()
        try:
            statuses = dispatch_until_done(broker.url, practice, name)
        except Exception:
            show_log_tails(log_paths)
            raise
        cpu_workers = sum(map(cpu_seconds, pids)) - workers_cpu_before
        cpu_here = time.process_time() - cpu_before
        first_arrivals = {}
        for message_id, at in sink.arrivals:
            first_arrivals.setdefault(message_id.strip("<>").partition("@")[0], at)
        dispatch_seconds, send_seconds = task_seconds(log_paths)
        return Run(
            workers=workers,
            messages=messages,
            enqueue_seconds=enqueue_seconds,
            elapsed=max(first_arrivals.values(), default=first_dispatch) - first_dispatch,
            lags=[at - due[pk] for pk, at in first_arrivals.items() if pk in due],
            sent=statuses.pop(Status.SENT, 0),
            received=len(sink.arrivals),
            unfinished=dict(statuses),
            smtp_connections=len(sink.peers),
            cpu_here=cpu_here,
            cpu_workers=cpu_workers,
            dispatch_seconds=dispatch_seconds,
            send_seconds=send_seconds,
        )


def start_worker(stop: contextlib.ExitStack, broker, sink, log_path: Path) -> int:
    """A real `celery worker` process (the tests' WorkerProcess: threads pool, 4 threads)."""
    worker = WorkerProcess(
        broker_url=broker.url,
        smtp_port=sink.port,
        log_path=log_path,
        # The configured lease (300 s), not the tests' 3 s: with a backlog longer than 3 s claims
        # would lapse and be claimed again, work a production worker would not do.
        lease_seconds=settings.OUTBOX_LEASE_SECONDS,
    )
    worker.env["DATABASE_URL"] = DATABASE_URL  # WorkerProcess's own URL leaves out conn_max_age
    stop.callback(worker.stop)
    worker.start()
    return worker.process.pid


def enqueue_messages(practice, name: str, count: int) -> dict:
    """N messages due now, the way features write them: `enqueue`, in one transaction. A
    transactional purpose needs no consent. Returns each message's due time by id."""
    kind = note_kind(Purpose.TRANSACTIONAL)
    with transaction.atomic():
        messages = [
            enqueue(
                practice=practice,
                kind=kind,
                address=f"client{n}@{name}.bench.example",
                idempotency_key=f"bench:{name}:{n}",
                context={"first_name": f"Client {n}"},
            )
            for n in range(count)
        ]
    return {str(message.pk): message.due_at.timestamp() for message in messages}


def dispatch_until_done(broker_url: str, practice, name: str) -> Counter:
    """Beat's part, as the worker tests play it: a dispatch task through the broker the moment the
    messages are due, and another each second while some still wait to be claimed. (Production's
    beat ticks once a minute, so there a message may also wait up to a minute for its tick; that
    is beat's period, not the outbox's speed, and is left out.) Returns the rows' final statuses."""
    next_tick = time.monotonic()
    done, progressed = 0, time.monotonic()
    while True:
        statuses = run_statuses(practice, name)
        waiting = statuses[Status.SCHEDULED] + statuses[Status.SENDING]
        if not waiting:
            return statuses
        if statuses.total() - waiting > done:
            done, progressed = statuses.total() - waiting, time.monotonic()
        elif time.monotonic() - progressed > STALLED_AFTER_SECONDS:
            raise TimeoutError(f"no message finished for {STALLED_AFTER_SECONDS} s: {dict(statuses)}")
        if statuses[Status.SCHEDULED] and time.monotonic() >= next_tick:
            tick(broker_url)
            next_tick = time.monotonic() + TICK_EVERY_SECONDS
        time.sleep(POLL_EVERY_SECONDS)


def run_statuses(practice, name: str) -> Counter:
    with scope(practice=practice):
        rows = OutboxMessage.objects.filter(practice=practice, idempotency_key__startswith=f"bench:{name}:")
        return Counter(rows.values_list("status", flat=True))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, all its threads (Linux: /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


FINISHED_TASK = re.compile(r"Task (\S+)\[[^\]]+\] succeeded in ([0-9.e-]+)s")


def task_seconds(log_paths: list[Path]) -> tuple[list[float], list[float]]:
    """How long each task took, as the workers logged it ("Task <name>[<id>] succeeded in 0.05s"):
    the dispatch tasks' times, and every other task's (the sending, one message or a batch each)."""
    dispatching, sending = [], []
    for path in log_paths:
        for task, seconds in FINISHED_TASK.findall(path.read_text(errors="replace")):
            (dispatching if task == dispatch_due_messages.name else sending).append(float(seconds))
    return dispatching, sending


def show_log_tails(log_paths: list[Path]):
    for path in log_paths:
        print(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}", file=sys.stderr)


def report(runs: list[Run], *, load: tuple[float, float], wall: float):
    print(
        f"outbox: {runs[0].messages} messages due now per run, dispatched as beat does to real Celery "
        f"workers (threads pool, 4 threads each) on a private Redis, sent to a loopback SMTP server."
    )
    print(
        f"This machine is shared and noisy ({os.cpu_count()} CPUs, load average {load[0]:.1f} at the start, "
        f"{load[1]:.1f} at the end): compare the columns with each other, not with figures from another day."
    )
    rows = [
        ("messages per second per worker", lambda r: f"{r.per_second_per_worker:.1f}"),
        ("first dispatch to last arrival (s)", lambda r: f"{r.elapsed:.2f}"),
        ("lag, due to SMTP receipt, p50 (s)", lambda r: f"{percentile(r.lags, 50):.2f}"),
        ("lag, due to SMTP receipt, p99 (s)", lambda r: f"{percentile(r.lags, 99):.2f}"),
        ("enqueue, one transaction (s)", lambda r: f"{r.enqueue_seconds:.2f}"),
        ("rows sent / messages received", lambda r: f"{r.sent} / {r.received}"),
        ("duplicates received", lambda r: f"{r.duplicates}"),
        ("rows not sent", lambda r: ", ".join(f"{n} {s}" for s, n in r.unfinished.items()) or "0"),
        ("SMTP connections", lambda r: f"{r.smtp_connections}"),
        ("dispatch tasks / their seconds", lambda r: f"{len(r.dispatch_seconds)} / {sum(r.dispatch_seconds):.2f}"),
        ("sending tasks / p50 (ms)", lambda r: f"{len(r.send_seconds)} / {median_ms(r.send_seconds)}"),
        ("CPU, this process (s)", lambda r: f"{r.cpu_here:.2f}"),
        ("CPU, worker processes (s)", lambda r: f"{r.cpu_workers:.2f}"),
        ("worker CPU per message (ms)", lambda r: f"{r.cpu_workers / r.messages * 1000:.1f}"),
    ]
    headings = [f"{r.workers} worker{'s' if r.workers > 1 else ''}" for r in runs]
    print(f"{'':<36}" + "".join(f"{heading:>14}" for heading in headings))
    for label, figure in rows:
        print(f"{label:<36}" + "".join(f"{figure(r):>14}" for r in runs))
    print(
        f"CPU time of this benchmark process in all (time.process_time; migrating, enqueueing, polling, "
        f"the SMTP server's parsing): {time.process_time():.1f} s; wall time in all: {wall:.0f} s"
    )


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def median_ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.0f}" if seconds else "-"


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: the ExitStacks have stopped and dropped everything by now
        sys.exit("interrupted; workers, Redis, the SMTP server and the database are gone")
