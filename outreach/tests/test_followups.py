"""Next-day follow-ups, the call list and the self-rebooking link, with the clock under control."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from library.models import Article
from outbox.consent import consent_record
from outbox.models import OutboxMessage
from outreach.calls import call_record_outcome
from outreach.followups import settings_for
from outreach.models import CallTask
from sessions.models import Appointment, NoteHandout, SessionNote
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, weekly_hours


@pytest.fixture
def setup(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist, days=range(5))  # open Monday to Friday
        yield {
            "practice": practice,
            "therapist": therapist,
            "service": ServiceFactory(practice=practice, name="Swedish"),
        }


def _client(practice, **answers):
    client = ClientFactory(
        practice=practice, first_name="Morgan", email="morgan@clients.example", phone="+1 603 555 0101"
    )
    intake_record(client=client, source="client_link", answers=intake_answers(**answers))
    return client


def _visit(setup, client, local: datetime):
    practice = setup["practice"]
    booked = appointment_book(
        practice=practice,
        client=client,
        therapist=setup["therapist"],
        service=setup["service"],
        starts_at=local.replace(tzinfo=practice.zone),
        notify=False,
    )
    return appointment_complete(appointment=booked)


def _followup(visit):
    with scopes_disabled():
        return OutboxMessage.objects.get(idempotency_key=f"followup:{visit.pk}")


def _deliver_due(send_outbox, when):
    with time_machine.travel(when):
        return send_outbox()


def test_a_completed_visit_queues_one_email_at_ten_the_next_open_day(setup):
    client = _client(setup["practice"])
    friday = _visit(setup, client, datetime(2030, 12, 6, 15, 0))
    message = _followup(friday)
    assert message.channel == "email" and message.address == "morgan@clients.example"
    local = message.due_at.astimezone(setup["practice"].zone)
    assert (local.strftime("%A"), local.hour) == ("Monday", 10)  # the weekend is closed
    settings_for(setup["practice"]).__class__.objects.filter(practice=setup["practice"]).update(
        send_on_closed_days=True
    )
    thursday = _visit(setup, client, datetime(2030, 12, 12, 9, 0))
    assert _followup(thursday).due_at.astimezone(setup["practice"].zone).strftime("%A %H:%M") == "Friday 10:00"


def test_the_follow_up_hour_is_local_across_the_dst_change(setup, therapist):
    practice = setup["practice"]
    weekly_hours(practice, therapist, days=[5, 6])  # open every day now
    client = _client(practice)
    before = _followup(_visit(setup, client, datetime(2026, 10, 30, 9, 0)))  # due Sat 31 Oct, EDT
    after = _followup(_visit(setup, client, datetime(2026, 10, 31, 9, 0)))  # due Sun 1 Nov, EST
    assert before.due_at.astimezone(UTC).hour == 14 and after.due_at.astimezone(UTC).hour == 15
    assert {m.due_at.astimezone(practice.zone).hour for m in (before, after)} == {10}


@pytest.mark.parametrize(
    "answers,first_timer,channel",
    [
        ({}, False, "email"),
        ({}, True, "call"),  # first-timers get a call
        ({"reminder_channel": "sms"}, False, "call"),  # prefers the phone
    ],
)
def test_email_or_call(setup, answers, first_timer, channel):
    client = _client(setup["practice"], **answers)
    client.first_massage = first_timer
    client.save()
    assert _followup(_visit(setup, client, datetime(2030, 12, 9, 10, 0))).channel == channel


def test_no_email_consent_means_a_call(setup):
    client = _client(setup["practice"])
    consent_record(
        practice=setup["practice"],
        channel="email",
        address=client.email,
        purpose="care",
        granted=False,
        source="unsubscribe",
    )
    message = _followup(_visit(setup, client, datetime(2030, 12, 9, 10, 0)))
    assert message.channel == "call" and message.address == "+1 603 555 0101"


def test_the_email_carries_the_summary_and_a_rebooking_link_or_the_next_visit(setup, send_outbox, mailoutbox, client):
    practice = setup["practice"]
    patient = _client(practice)
    visit = _visit(setup, patient, datetime(2030, 12, 9, 10, 0))
    note = SessionNote.objects.create(
        practice=practice,
        visit=visit,
        client=patient,
        therapist=visit.therapist,
        client_summary="Your shoulders eased well.",
        summary_approved=True,
        pressure_used="firm",
        signed_at=timezone.now(),
    )
    neck = Article.objects.get(practice=practice, title__startswith="Stretches for a stiff neck")
    NoteHandout.objects.create(practice=practice, sessionnote=note, article=neck)  # the home-care handout
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=practice.zone))
    [email] = mailoutbox
    assert "Your shoulders eased well." in email.body and "How are you feeling" in email.subject
    handout = re.search(
        r"- (Stretches for a stiff neck[^\n:]*).*?\n\s+http://[^/\s]+(/handouts/\S+/)", email.body, re.S
    )
    assert handout and client.get(handout.group(2)).status_code == 200  # the article, for the client
    link = re.search(r"http://[^/\s]+(/rebook/\S+/)", email.body).group(1)
    with time_machine.travel(datetime(2030, 12, 10, 11, 0, tzinfo=practice.zone)):
        rebooking = client.get(link)  # the link opens the client's own booking page, with times to pick
    assert rebooking.status_code == 200 and b"Book your next" in rebooking.content and rebooking.context["slots"]
    assert "List-Unsubscribe" in email.extra_headers  # care follow-ups can be stopped in one click

    rebooked_client = _client(practice)
    second = _visit(setup, rebooked_client, datetime(2030, 12, 9, 13, 30))
    appointment_book(
        practice=practice,
        client=rebooked_client,
        therapist=second.therapist,
        service=second.service,
        starts_at=datetime(2030, 12, 16, 13, 30).replace(tzinfo=practice.zone),
        notify=False,
    )
    mailoutbox.clear()
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 2, tzinfo=practice.zone))
    [email] = mailoutbox
    assert "See you on Monday 16 December, 13:30" in email.body and "/rebook/" not in email.body


def test_consent_withdrawn_after_scheduling_skips_the_follow_up(setup, send_outbox, mailoutbox):
    patient = _client(setup["practice"])
    visit = _visit(setup, patient, datetime(2030, 12, 9, 10, 0))
    consent_record(
        practice=setup["practice"],
        channel="email",
        address=patient.email,
        purpose="care",
        granted=False,
        source="unsubscribe",
    )
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=setup["practice"].zone))
    assert mailoutbox == [] and _followup(visit).status == "skipped"


def test_a_call_follow_up_lands_on_the_therapists_call_list_and_stops_after_n_tries(setup, send_outbox, client_for):
    practice = setup["practice"]
    patient = _client(practice)
    patient.first_massage = True
    patient.save()
    _visit(setup, patient, datetime(2030, 12, 9, 10, 0))
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=practice.zone))
    task = CallTask.objects.get(practice=practice)
    assert task.assigned_to == setup["therapist"] and task.phone == "+1 603 555 0101" and task.status == "open"
    with time_machine.travel(datetime(2030, 12, 10, 11, 0, tzinfo=practice.zone)):
        page = client_for(setup["therapist"]).get(f"/p/{practice.slug}/calls/")
        assert b"Morgan" in page.content and b"No answer" in page.content
        for expected_status in ("open", "open", "gave_up"):
            task = call_record_outcome(task=task, outcome="no_answer")
            assert task.status == expected_status
    assert task.tries == settings_for(practice).call_max_tries == 3


def test_the_self_rebooking_link(setup, send_outbox, mailoutbox, client):
    practice = setup["practice"]
    patient = _client(practice)
    _visit(setup, patient, datetime(2030, 12, 9, 10, 0))
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=practice.zone))
    path = re.search(r"http://[^/\s]+(/rebook/\S+/)", mailoutbox[0].body).group(1)
    with time_machine.travel(datetime(2030, 12, 10, 12, 0, tzinfo=practice.zone)):
        page = client.get(path)
        assert page.status_code == 200 and page.context["slots"]
        first = page.context["slots"][0]
        # Someone else takes the first time meanwhile: a clear message and fresh options.
        appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=setup["therapist"],
            service=setup["service"],
            starts_at=first.starts_at,
            notify=False,
        )
        taken = client.post(path, {"starts_at": first.starts_at.isoformat()})
        assert taken.status_code == 409 and b"that time is not free" in taken.content
        assert first not in taken.context["slots"]
        second = taken.context["slots"][0]
        booked = client.post(path, {"starts_at": second.starts_at.isoformat()})
        assert booked.status_code == 200 and b"You are booked" in booked.content
    rebooked = Appointment.objects.get(client=patient, starts_at=second.starts_at)
    assert OutboxMessage.objects.filter(kind="appointment_confirmation", client_ref=patient.pk).exists()
    assert rebooked.status == "booked"
    tampered = path[:-4] + "xyz/"
    assert client.get(tampered).status_code == 410
    with time_machine.travel(datetime(2030, 12, 10, tzinfo=practice.zone) + timedelta(days=15)):
        assert client.get(path).status_code == 410  # 14 days by default


def test_the_self_rebooking_link_books_only_a_time_it_offers_and_only_once(setup, send_outbox, mailoutbox, client):
    practice = setup["practice"]
    patient = _client(practice)
    visit = _visit(setup, patient, datetime(2030, 12, 9, 10, 0))
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=practice.zone))
    path = re.search(r"http://[^/\s]+(/rebook/\S+/)", mailoutbox[0].body).group(1)
    cache.clear()  # the page's rate limits count in the cache
    zone = practice.zone
    with time_machine.travel(datetime(2030, 12, 10, 12, 0, tzinfo=zone)):
        offered = client.get(path).context["slots"]
        for refused in (
            datetime(2030, 12, 11, 3, 0, tzinfo=zone),  # at night, outside anyone's hours
            datetime(2030, 12, 9, 11, 0, tzinfo=zone),  # in the past
            offered[0].starts_at + timedelta(minutes=7),  # not on the page's grid
            datetime(2031, 6, 2, 10, 0, tzinfo=zone),  # further ahead than the page looks
        ):
            answer = client.post(path, {"starts_at": refused.isoformat()})
            assert answer.status_code == 409 and b"that time is not free" in answer.content, refused
        assert client.post(path, {"starts_at": "2030-02-30T10:00:00+00:00"}).status_code == 409
        assert not Appointment.objects.filter(client=patient).exclude(pk=visit.pk).exists()

        assert b"You are booked" in client.post(path, {"starts_at": offered[0].starts_at.isoformat()}).content
        again = client.post(path, {"starts_at": offered[1].starts_at.isoformat()})
        assert b"This link has booked that visit" in again.content
        assert b"This link has booked that visit" in client.get(path).content
    [rebooked] = Appointment.objects.filter(client=patient).exclude(pk=visit.pk)
    assert rebooked.starts_at == offered[0].starts_at and rebooked.booked_by_link_of == visit


def test_the_self_rebooking_page_is_rate_limited(setup, send_outbox, mailoutbox, client):
    practice = setup["practice"]
    _visit(setup, _client(practice), datetime(2030, 12, 9, 10, 0))
    _deliver_due(send_outbox, datetime(2030, 12, 10, 10, 1, tzinfo=practice.zone))
    path = re.search(r"http://[^/\s]+(/rebook/\S+/)", mailoutbox[0].body).group(1)
    cache.clear()
    with time_machine.travel(datetime(2030, 12, 10, 12, 0, tzinfo=practice.zone)):
        statuses = [client.post(path, {"starts_at": "nonsense"}).status_code for _ in range(11)]
    assert statuses[:10] == [409] * 10 and statuses[10] == 429


def test_the_owner_sets_the_follow_up_hour(client_for, owner, practice):
    url = f"/p/{practice.slug}/follow-ups/settings/"
    rest = {"recalls_enabled": "on", "recall_after_days": 7, "digest_hour": 8}
    bad = client_for(owner).post(url, {"followup_hour": 23, "call_max_tries": 3, "rebook_link_days": 14, **rest})
    assert b"nobody likes a follow-up at night" in bad.content
    client_for(owner).post(url, {"followup_hour": 9, "call_max_tries": 2, "rebook_link_days": 7, **rest})
    with scope(practice=practice):
        config = settings_for(practice)
    assert (config.followup_hour, config.call_max_tries) == (9, 2)
