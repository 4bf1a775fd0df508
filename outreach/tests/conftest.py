"""Real peers for the worker tests: a Redis server of the test's own, an SMTP server on loopback
and Celery worker processes against them (see live.py)."""

import pytest

from outreach.tests.live import PrivateRedis, WorkerProcess


@pytest.fixture
def redis(require_program):
    require_program("redis-server", "redis-server")
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def workers(redis, smtp, tmp_path):
    """Start workers with `workers.start()`; all are stopped at the end (their logs shown on failure)."""

    class Workers(list):
        def start(self, **options):
            worker = WorkerProcess(
                broker_url=redis.url,
                smtp_port=smtp.port,
                log_path=tmp_path / f"{options.get('command', 'worker')}-{len(self)}.log",
                **options,
            )
            self.append(worker)
            return worker.start()

    started = Workers()
    yield started
    for worker in started:
        worker.stop()
        print(f"--- {worker.log_path.name}\n{worker.log_path.read_text()[-4000:]}")
