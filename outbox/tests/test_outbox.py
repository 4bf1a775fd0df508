"""The outbox: idempotent enqueueing in the caller's transaction, claiming with SKIP LOCKED and
leases, back-off and bounded retries, consent at send time, and what a sent email looks like."""

import re
import threading
from datetime import timedelta

import psycopg2
import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from outbox import dispatch
from outbox.consent import consent_record
from outbox.dispatch import claim_due_messages, deliver, deliver_batch
from outbox.models import Channel, ConsentEvent, OutboxMessage, Purpose
from outbox.services import _publish_dispatch, enqueue, enqueue_many
from outbox.tests.factories import note_kind
from outreach.tests.live import SmtpSink, free_port

Status = OutboxMessage.Status


@pytest.fixture
def in_scope(practice):
    with scope(practice=practice):
        yield practice


def _enqueue(practice, key="note:1", purpose=Purpose.TRANSACTIONAL, **overrides):
    fields = {
        "kind": note_kind(purpose),
        "address": "Avery@Clients.example",
        "idempotency_key": key,
        "context": {"first_name": "Avery"},
    }
    return enqueue(practice=practice, **{**fields, **overrides})


def _claimed() -> list[tuple[str, str]]:
    """What the dispatcher claimed, as (message, practice)."""
    return [(claim.message_id, claim.practice_id) for claim in claim_due_messages()]


def _reload(message):
    with scopes_disabled():
        return OutboxMessage.objects.get(pk=message.pk)


# --- enqueue ---------------------------------------------------------------------------------


def test_the_same_idempotency_key_gives_the_same_row(in_scope):
    first = _enqueue(in_scope)
    again = _enqueue(in_scope, context={"first_name": "Changed"})
    assert again.pk == first.pk and again.context == {"first_name": "Avery"}
    assert OutboxMessage.objects.filter(practice=in_scope).count() == 1
    assert first.address == "avery@clients.example"  # one spelling per address


def test_keys_are_per_practice(practice, other_practice):
    assert _enqueue(practice).pk != _enqueue(other_practice).pk


def _copies(count, start=0):
    return [{"address": f"Reader{n}@clients.example", "idempotency_key": f"copy:{n}"} for n in range(start, count)]


def test_many_copies_go_in_a_few_statements_and_a_key_is_queued_once(in_scope):
    kind = note_kind()
    with CaptureQueriesContext(connection) as few:
        enqueue_many(practice=in_scope, kind=kind, copies=_copies(5))
    with CaptureQueriesContext(connection) as many:
        enqueue_many(practice=in_scope, kind=kind, copies=_copies(1500, start=5))
    assert len(many) <= len(few) + 1  # one more INSERT per thousand rows, not one per copy
    enqueue_many(practice=in_scope, kind=kind, copies=_copies(10))  # offered again: nothing new
    assert OutboxMessage.objects.filter(practice=in_scope).count() == 1500
    assert OutboxMessage.objects.get(idempotency_key="copy:7").address == "reader7@clients.example"


def test_messages_due_now_ask_for_one_dispatch_per_transaction(in_scope, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _enqueue(in_scope, key="now:1")
        _enqueue(in_scope, key="now:2")
        _enqueue(in_scope, key="later", due_at=timezone.now() + timedelta(hours=2))
    assert callbacks == [_publish_dispatch]
    with django_capture_on_commit_callbacks() as none_due:
        _enqueue(in_scope, key="later:2", due_at=timezone.now() + timedelta(hours=2))
    assert none_due == []


def test_a_message_exists_only_if_its_event_committed(in_scope):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue(in_scope)
        raise RuntimeError("the booking failed")
    assert not OutboxMessage.objects.filter(practice=in_scope).exists()


# --- claiming ----------------------------------------------------------------------------------


def test_only_due_messages_are_claimed_and_each_claim_counts_an_attempt(in_scope):
    due = _enqueue(in_scope, key="due")
    later = _enqueue(in_scope, key="later", due_at=timezone.now() + timedelta(hours=1))
    assert _claimed() == [(str(due.pk), str(due.practice_id))]
    due, later = _reload(due), _reload(later)
    assert due.status == Status.SENDING and due.attempts == 1 and due.lease_until > timezone.now()
    assert later.status == Status.SCHEDULED
    assert claim_due_messages() == []  # a live claim is not taken twice


def test_a_lapsed_claim_is_claimed_again_and_gives_up_after_the_last_attempt(in_scope, settings):
    message = _enqueue(in_scope)
    for attempt in range(1, settings.OUTBOX_MAX_ATTEMPTS + 1):
        with time_machine.travel(timezone.now() + timedelta(seconds=(settings.OUTBOX_LEASE_SECONDS + 1) * attempt)):
            assert _claimed() == [(str(message.pk), str(message.practice_id))]
        assert _reload(message).attempts == attempt
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert claim_due_messages() == []
    message = _reload(message)
    assert message.status == Status.FAILED and "Gave up after" in message.last_error


def _dsn() -> dict:
    """A second connection of our own to the test database (another dispatcher, an operator)."""
    settings_dict = connection.settings_dict
    return {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_dispatcher_is_skipped_not_waited_for(practice):
    locked, free = _enqueue(practice, key="locked"), _enqueue(practice, key="free")
    other = psycopg2.connect(**_dsn())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM outreach_outboxmessage WHERE id = %s FOR UPDATE", [str(locked.pk)])
            assert _claimed() == [(str(free.pk), str(free.practice_id))]
        other.rollback()
        assert _claimed() == [(str(locked.pk), str(locked.practice_id))]
    finally:
        other.close()


# --- delivery ----------------------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = False
        yield sink


def _send_now(message):
    assert _claimed() == [(str(message.pk), str(message.practice_id))]
    return deliver(str(message.pk), str(message.practice_id))


def test_a_sent_email_speaks_for_the_practice_and_keeps_no_content(in_scope, smtp):
    in_scope.email = "desk@harbour-test.example"
    in_scope.save()
    message = _enqueue(in_scope)
    assert _send_now(message) == Status.SENT
    [received] = smtp.messages
    [sender] = received["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (in_scope.name, "no-reply@rebook.localhost")
    assert received["Reply-To"] == "desk@harbour-test.example"
    assert received["Message-ID"] == f"<{message.pk}@rebook.localhost>"
    assert received["Subject"] == f"A note from {in_scope.name}"
    assert "List-Unsubscribe" not in received  # a service message does not pretend to be marketing
    assert "Hello Avery" in smtp.text_of(received)
    message = _reload(message)
    assert message.subject == f"A note from {in_scope.name}" and message.context == {} and message.sent_at
    assert deliver(str(message.pk), str(message.practice_id)) is None  # a sent row is never sent again
    assert len(smtp.messages) == 1


def test_only_the_html_part_is_html_escaped(in_scope, smtp):
    in_scope.name = "Rae's <Body> & Soul"
    in_scope.save()
    assert _send_now(_enqueue(in_scope, context={"first_name": "O'Brien"})) == Status.SENT
    [received] = smtp.messages
    assert received["Subject"] == "A note from Rae's <Body> & Soul"
    assert "Hello O'Brien, this is a note from Rae's <Body> & Soul." in smtp.text_of(received)
    assert "from Rae&#x27;s &lt;Body&gt; &amp; Soul" in smtp.html_of(received)


def test_marketing_carries_one_click_unsubscribe(in_scope, smtp):
    consent_record(
        practice=in_scope,
        channel="email",
        address="avery@clients.example",
        purpose=Purpose.MARKETING,
        granted=True,
        source=ConsentEvent.Source.INTAKE,
    )
    assert _send_now(_enqueue(in_scope, purpose=Purpose.MARKETING)) == Status.SENT
    [received] = smtp.messages
    assert re.search(rb"\r?\nList-Unsubscribe: <http://127\.0\.0\.1:8000/unsubscribe/\S+/>\r?\n", smtp.raw[0])
    link = received["List-Unsubscribe"].strip()
    assert link.startswith("<http://127.0.0.1:8000/unsubscribe/") and link.endswith(">")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link.strip("<>")
    assert link in smtp.text_of(received) and link in smtp.html_of(received)


def test_consent_withdrawn_after_scheduling_skips_the_message_with_a_reason(in_scope, smtp):
    consent_record(
        practice=in_scope,
        channel="email",
        address="avery@clients.example",
        purpose=Purpose.CARE,
        granted=True,
        source=ConsentEvent.Source.INTAKE,
    )
    message = _enqueue(in_scope, purpose=Purpose.CARE, due_at=timezone.now() + timedelta(minutes=5))
    consent_record(
        practice=in_scope,
        channel="email",
        address="AVERY@clients.example",
        purpose=Purpose.CARE,
        granted=False,
        source=ConsentEvent.Source.UNSUBSCRIBE,
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert _send_now(message) == Status.SKIPPED
    message = _reload(message)
    assert "withdrawn" in message.skip_reason and "unsubscribe link" in message.skip_reason
    assert smtp.messages == [] and message.context == {}


@pytest.mark.parametrize("purpose", [Purpose.REMINDERS, Purpose.CARE, Purpose.MARKETING])
def test_no_consent_on_record_means_no_message(in_scope, smtp, purpose):
    message = _enqueue(in_scope, purpose=purpose)
    assert _send_now(message) == Status.SKIPPED
    assert _reload(message).skip_reason.startswith("No consent on record")
    assert smtp.messages == []


def test_no_address_is_skipped(in_scope, smtp):
    message = _enqueue(in_scope, address="")
    assert _send_now(message) == Status.SKIPPED and _reload(message).skip_reason == "No address to send to."


def test_a_transient_error_backs_off_exponentially_then_fails(in_scope, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    message = _enqueue(in_scope)
    now = timezone.now()
    delays = []
    for attempt in range(1, settings.OUTBOX_MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            status = _send_now(message)
        message = _reload(message)
        if attempt < settings.OUTBOX_MAX_ATTEMPTS:
            assert status == Status.SCHEDULED and "ConnectionRefusedError" in message.last_error
            delays.append((message.due_at - now).total_seconds())
            now = message.due_at
    assert delays == [60, 120, 240, 480]
    assert status == Status.FAILED and message.status == Status.FAILED and message.context  # kept for a retry


def test_a_refused_address_fails_at_once(in_scope, smtp):
    smtp.refuse("nobody@clients.example")
    message = _enqueue(in_scope, address="nobody@clients.example")
    assert _send_now(message) == Status.FAILED
    message = _reload(message)
    assert message.attempts == 1 and "SMTPRecipientsRefused" in message.last_error


def test_a_practices_batch_goes_over_one_smtp_connection(in_scope, smtp):
    for n in range(5):
        _enqueue(in_scope, key=f"batch:{n}", address=f"reader{n}@clients.example")
    claims = claim_due_messages()
    with CaptureQueriesContext(connection) as queries:
        outcomes = deliver_batch(str(in_scope.pk), [(claim.message_id, claim.attempt) for claim in claims])
    assert outcomes == [Status.SENT] * 5 and len(smtp.messages) == 5 and smtp.connections == 1
    assert sum('FROM "practice_practice"' in q["sql"] for q in queries) == 1  # the practice, once per batch


def test_a_task_from_a_claim_that_lapsed_leaves_the_sending_to_the_newer_claim(in_scope, smtp):
    message = _enqueue(in_scope)
    [first] = claim_due_messages()
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    [second] = claim_due_messages()
    assert (first.attempt, second.attempt) == (1, 2)
    assert deliver(*first) is None  # turned up late: the newer claim's task sends it
    assert deliver(*second) == Status.SENT and len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_drops_after_the_server_took_the_message_sends_it_once(practice, smtp, monkeypatch):
    """The connection dies between the server's 250 and the outcome's commit: the outcome is
    written on a fresh connection, and the row is not sent again."""
    message = _enqueue(practice)
    [claim] = claim_due_messages()
    send_email = dispatch.SENDERS[Channel.EMAIL]

    def send_then_lose_the_database(outgoing):
        send_email(outgoing)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        with psycopg2.connect(**_dsn()) as other, other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    monkeypatch.setitem(dispatch.SENDERS, Channel.EMAIL, send_then_lose_the_database)
    assert deliver(*claim) == Status.SENT
    assert _reload(message).status == Status.SENT and len(smtp.messages) == 1
    assert claim_due_messages() == []  # nothing comes back to be sent again


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_row_send_it_once(practice, smtp):
    """A re-claimed row whose first task turns up late: both tasks run, one message goes out."""
    smtp.delay_seconds = 0.5
    message = _enqueue(practice)
    assert _claimed() == [(str(message.pk), str(message.practice_id))]
    results = []

    def worker():
        try:
            results.append(deliver(str(message.pk), str(message.practice_id)))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results, key=str) == [None, Status.SENT]
    assert len(smtp.messages) == 1


@override_settings(OUTBOX_MAX_ATTEMPTS=1)
def test_the_staff_can_retry_a_failed_message(in_scope, smtp, client_for, owner, practice):
    smtp.refuse("late@clients.example")
    message = _enqueue(in_scope, address="late@clients.example")
    _send_now(message)
    smtp.refuse(None)
    client_for(owner).post(f"/p/{practice.slug}/outbox/{message.pk}/retry/")
    message = _reload(message)
    assert message.status == Status.SCHEDULED and message.attempts == 0
    assert _send_now(message) == Status.SENT and len(smtp.messages) == 1


def test_a_dispatch_that_reaches_its_cap_hands_over_to_another_at_once(in_scope, monkeypatch, settings):
    """A newsletter to thousands is not left waiting a minute per thousand for the next beat."""
    from outbox import tasks

    settings.OUTBOX_BATCH_SIZE = 2
    monkeypatch.setattr(tasks, "MAX_BATCHES_PER_RUN", 2)
    published, handed_over = [], []
    monkeypatch.setattr(tasks.send_outbox_batch, "delay", lambda *args: published.append(args))
    monkeypatch.setattr(tasks.dispatch_due_messages, "delay", lambda: handed_over.append(True))
    for n in range(5):
        _enqueue(in_scope, key=f"many:{n}")
    assert tasks.dispatch_due_messages() == 4 and handed_over == [True]
    handed_over.clear()
    assert tasks.dispatch_due_messages() == 1 and handed_over == []  # the rest fitted: no hand-over
