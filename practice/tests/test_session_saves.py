"""A signed-in page does not write the session on every request: the idle timeout slides, but the
session is saved at most once a minute (practice.middleware.SlidingSessionMiddleware)."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(
        1
        for query in captured
        if "django_session" in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
    )


def test_a_page_within_a_minute_writes_no_session_and_a_later_one_renews_it(client_for, front_desk, practice):
    home = f"/p/{practice.slug}/"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        desk = client_for(front_desk)  # signing in marks the session as seen
        assert _session_writes(desk, home) == 0
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert _session_writes(desk, home) == 0
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert _session_writes(desk, home) >= 1  # the expiry moves on
