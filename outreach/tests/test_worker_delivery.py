"""The outbox with real peers: Celery worker processes on a Redis server of the test's own, sending
to an SMTP server on loopback. Workers are SIGKILLed and Redis is stopped; nothing is lost and
nothing is sent twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from kombu.exceptions import OperationalError

from outbox.consent import consent_record
from outbox.models import ConsentEvent, OutboxMessage, Purpose
from outbox.services import enqueue
from outbox.tests.factories import note_kind
from outreach.tests.live import SmtpSink, tick, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboxMessage.Status
DISPATCHED = "outbox.tasks.dispatch_due_messages"  # the worker logs "<name>[<id>] succeeded in …"


def _enqueue_many(practice, prefix, count, **overrides):
    with scope(practice=practice):
        return [
            enqueue(
                practice=practice,
                kind=note_kind(overrides.get("purpose", Purpose.TRANSACTIONAL)),
                address=f"{prefix}{n}@clients.example",
                idempotency_key=f"{prefix}:{n}",
                context={"first_name": f"{prefix.title()} {n}"},
            )
            for n in range(count)
        ]


def _statuses(messages):
    with scopes_disabled():
        return Counter(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True))


def _assert_each_delivered_once(smtp, messages):
    received = Counter(smtp.message_ids())
    expected = {f"<{m.pk}@rebook.localhost>" for m in messages}
    assert set(received) == expected
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    assert duplicates == {}, f"sent more than once: {duplicates}"
    assert _statuses(messages) == {Status.SENT: len(messages)}


def test_due_messages_reach_a_real_smtp_server(practice, redis, smtp, workers):
    notes = _enqueue_many(practice, "note", 4)
    with scope(practice=practice):
        consent_record(
            practice=practice,
            channel="email",
            address="news0@clients.example",
            purpose=Purpose.MARKETING,
            granted=True,
            source=ConsentEvent.Source.INTAKE,
        )
    news = _enqueue_many(practice, "news", 2, purpose=Purpose.MARKETING)  # news1 never consented
    workers.start()
    tick(redis.url)
    wait_for(
        lambda: len(smtp.messages) == 5 and not _statuses(notes + news).get(Status.SENDING),
        timeout=30,
        message="five messages delivered",
    )

    _assert_each_delivered_once(smtp, notes + news[:1])
    by_recipient = {m["To"]: m for m in smtp.messages}
    assert by_recipient["note2@clients.example"]["Subject"] == f"A note from {practice.name}"
    assert "Hello Note 2" in SmtpSink.text_of(by_recipient["note2@clients.example"])
    assert "List-Unsubscribe" in by_recipient["news0@clients.example"]
    with scopes_disabled():
        skipped = OutboxMessage.objects.get(pk=news[1].pk)
    assert skipped.status == Status.SKIPPED and "No consent" in skipped.skip_reason


def test_a_worker_killed_mid_batch_leaves_every_message_sent_exactly_once(practice, redis, smtp, workers):
    messages = _enqueue_many(practice, "kill", 40)
    smtp.gate_after = 12  # after twelve deliveries, hold further ones mid-transaction
    first = workers.start()
    tick(redis.url)
    assert smtp.gate_closed.wait(30), "the first worker never got twelve messages out"
    # Senders that had their 250 reply commit "sent" a moment later; kill once they have.
    wait_for(
        lambda: _statuses(messages).get(Status.SENT, 0) >= len(smtp.messages),
        timeout=10,
        message="accepted messages recorded as sent",
    )
    first.kill()
    in_flight = _statuses(messages)
    assert 12 <= len(smtp.messages) < 40 and in_flight[Status.SENDING] > 0, in_flight

    smtp.open_gate()
    workers.start()
    # Beat's part, ticking until every lapsed claim has been taken again and sent.
    wait_for(
        lambda: _ticked(redis.url) and _statuses(messages).get(Status.SENT, 0) == 40,
        timeout=60,
        interval=0.5,
        message=f"all 40 sent after the kill: {_statuses(messages)}",
    )

    _assert_each_delivered_once(smtp, messages)
    with scopes_disabled():
        retried = OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], attempts__gt=1).count()
    assert retried > 0  # the messages the killed worker held were claimed again
    print(
        f"kill test: 40 messages, 1 worker killed with {in_flight[Status.SENDING]} claimed, "
        f"{retried} claimed again, {len(smtp.messages)} received, 0 duplicates"
    )


def _ticked(broker_url) -> bool:
    """Tick as beat would; False while the broker cannot be reached."""
    try:
        tick(broker_url)
    except OperationalError:
        return False
    return True


def test_a_redis_outage_loses_nothing(practice, redis, smtp, workers):
    before = _enqueue_many(practice, "before", 10)
    worker = workers.start()
    tick(redis.url)
    wait_for(lambda: _statuses(before).get(Status.SENT) == 10, timeout=30, message="first batch delivered")

    redis.stop()
    during = _enqueue_many(practice, "during", 10)
    assert not _ticked(redis.url)  # beat cannot reach the broker either
    wait_for(
        lambda: worker.log_count("Cannot connect to redis") >= 1,
        timeout=30,
        message="the worker noticed the broker was gone",
    )
    redis.start()  # empty: whatever the broker held is gone

    # The worker reconnects on its own; beat's ticks get through again.
    wait_for(
        lambda: _ticked(redis.url) and _statuses(during).get(Status.SENT, 0) == 10,
        timeout=90,
        interval=0.5,
        message=f"all sent after the outage: {_statuses(during)}",
    )

    _assert_each_delivered_once(smtp, before + during)


def test_completing_a_visit_leads_to_exactly_one_follow_up_when_its_time_comes(
    practice, therapist, redis, smtp, workers
):
    """Beat and a worker, both real processes; the test only completes a visit and waits."""
    from clients.services import intake_record
    from clients.tests.factories import ClientFactory, intake_answers
    from sessions.services import appointment_book, appointment_complete
    from sessions.tests.factories import ServiceFactory

    with scope(practice=practice):
        client = ClientFactory(practice=practice, first_name="Ellis", email="ellis@clients.example")
        intake_record(client=client, source="client_link", answers=intake_answers())
        starts = timezone.now().replace(microsecond=0) - timedelta(hours=2)
        visit = appointment_book(
            practice=practice,
            client=client,
            therapist=therapist,
            notify=False,
            service=ServiceFactory(practice=practice),
            starts_at=starts,
        )
        appointment_complete(appointment=visit)
        followup = OutboxMessage.objects.get(idempotency_key=f"followup:{visit.pk}")
    # Due at the practice's hour on a day after the visit's, which is still to come (how far off
    # depends on the time of day the test runs).
    visit_day = timezone.localtime(visit.ends_at, practice.zone).date()
    assert followup.due_at > timezone.now() and timezone.localtime(followup.due_at, practice.zone).date() > visit_day
    worker = workers.start()
    workers.start(command="beat", dispatch_every_seconds=1)
    _wait_for_dispatches(worker, 2)
    assert smtp.messages == []  # beat ticked and the worker dispatched, but nothing is due yet
    with scopes_disabled():  # the clock reaches the due time
        OutboxMessage.objects.filter(pk=followup.pk).update(due_at=timezone.now())
    wait_for(lambda: len(smtp.messages) >= 1, timeout=30, message="the follow-up arrived")
    _wait_for_dispatches(worker, 3)  # later dispatches find nothing more to send
    [received] = smtp.messages
    assert received["To"] == "ellis@clients.example" and "How are you feeling" in received["Subject"]
    assert "/rebook/" in SmtpSink.text_of(received)
    assert b"\nList-Unsubscribe: <http" in smtp.raw[0]
    print("follow-up as received by the loopback SMTP server:\n" + smtp.raw[0].decode()[:1800])


def _wait_for_dispatches(worker, count):
    """Wait until the worker has finished `count` more dispatches (beat's ticks) than so far."""
    target = _dispatches_done(worker) + count
    wait_for(lambda: _dispatches_done(worker) >= target, timeout=30, message=f"{count} more dispatches")


def _dispatches_done(worker) -> int:
    return sum(
        1
        for line in worker.log_path.read_text(errors="replace").splitlines()
        if DISPATCHED in line and "succeeded" in line
    )
