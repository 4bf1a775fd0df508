"""A real Celery worker (not eager mode) takes a task from the configured broker: Redis in CI,
the filesystem transport on a laptop, and runs it against the database."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery_app import app
from practice.tasks import clear_expired_sessions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _session(key, expires_in):
    Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() + expires_in)


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry


def test_a_worker_clears_expired_sessions():
    _session("expired-one", timedelta(minutes=-5))
    _session("still-live", timedelta(minutes=20))
    # Earlier tests in this process committed messages due now, each asking for a dispatch on this
    # same queue; this test is about one task, so it starts from an empty queue.
    app.control.purge()
    with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
        clear_expired_sessions.delay()
        deadline = time.monotonic() + 30
        while Session.objects.filter(session_key="expired-one").exists():
            assert time.monotonic() < deadline, "the worker did not run the task within 30 s"
            time.sleep(0.2)
    assert Session.objects.filter(session_key="still-live").exists()
