"""Desks racing each other: callables run at the same moment, each in its own thread and
database connection (the tests that use it need a transactional database)."""

import threading

from django.db import connection

from sessions.services import SeriesConflict, SlotTaken


def race(attempts) -> list:
    """Each callable's result, or the SlotTaken / SeriesConflict it raised, in finishing order."""
    barrier = threading.Barrier(len(attempts))
    outcomes = []

    def run(attempt):
        try:
            barrier.wait()
            outcomes.append(attempt())
        except (SlotTaken, SeriesConflict) as refused:
            outcomes.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
