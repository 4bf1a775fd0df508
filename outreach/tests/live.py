"""Real peers for the outreach tests: an SMTP server on loopback (aiosmtpd), a Redis server of the
test's own on a port of its own, and Celery worker processes against them."""

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, message: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(interval)


class SmtpSink:
    """A loopback SMTP server that keeps what it accepts, parsed. Options: refuse an address with
    550; delay every DATA reply; close a gate after N messages, holding further DATA unanswered
    (and unstored) until the gate opens again, so a test can kill a sender mid-transaction."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.refused: str | None = None
        self.delay_seconds = 0.0
        self.gate_after: int | None = None
        self.connections = 0  # SMTP sessions opened (one EHLO each)
        self.gate_closed = threading.Event()
        self._gate_open = threading.Event()
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def refuse(self, address: str | None):
        self.refused = address

    def open_gate(self):
        self.gate_after = None
        self._gate_open.set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.gate_after is not None and len(self.messages) >= self.gate_after:
            self.gate_closed.set()
            while not self._gate_open.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"  # the sender was killed meanwhile; nothing is kept
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        with self._lock:
            self.raw.append(envelope.content)
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    @staticmethod
    def text_of(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html_of(message) -> str:
        return message.get_body(preferencelist=("html",)).get_content()


class PrivateRedis:
    """A redis-server of the test's own (the machine's shared Redis is left alone), without
    persistence, so a restart loses whatever the broker held."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, message="redis-server did not start")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def database_url_for_subprocess() -> str:
    """The test database as a URL, for processes the test starts (they are not in its transaction)."""
    settings = connection.settings_dict
    host = settings["HOST"] or "localhost"
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{host}{port}/{settings['NAME']}"


class WorkerProcess:
    """`celery worker` in a process of its own (threads pool, so SIGKILL takes all of it at once);
    `command="beat"` runs celery beat the same way."""

    def __init__(
        self,
        *,
        broker_url: str,
        smtp_port: int,
        log_path: Path,
        lease_seconds: int = 3,
        command: str = "worker",
        dispatch_every_seconds: int = 60,
    ):
        self.log_path = log_path
        self.command = command
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "REBOOK_OUTBOX_LEASE_SECONDS": str(lease_seconds),
            "REBOOK_DISPATCH_EVERY_SECONDS": str(dispatch_every_seconds),
            "REBOOK_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),  # where the test reads PDFs
        }
        self.process = None

    def start(self):
        self._log = open(self.log_path, "ab")
        if self.command == "beat":
            arguments = ["beat", "--loglevel", "INFO", "--schedule", str(self.log_path.with_suffix(".schedule"))]
            started = b"beat: Starting"
        else:
            arguments = [
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
            started = b" ready."
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *arguments],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: started in self.log_path.read_bytes() or self.process.poll() is not None,
            timeout=60,
            message=f"celery {self.command} did not start",
        )
        assert self.process.poll() is None, self.log_path.read_text()
        return self

    def log_count(self, text: str) -> int:
        """How often `text` appears in this process's log so far (a tick, a task done, a lost broker)."""
        return self.log_path.read_text(errors="replace").count(text)

    def kill(self):
        """SIGKILL: no shutdown, no acknowledgements, whatever it was doing is cut off."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._log.closed:
            self._log.close()


def tick(broker_url):
    """What beat does every minute: ask a worker to dispatch what is due."""
    from config.celery_app import app
    from outbox.tasks import dispatch_due_messages

    with app.connection_for_write(broker_url) as connection:
        dispatch_due_messages.apply_async(connection=connection, retry=False)
