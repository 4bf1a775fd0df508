"""A therapist's private calendar feed, and reminders that honour the client's consent."""

import re
from datetime import datetime, timedelta

import icalendar
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from outbox.models import OutboxMessage
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.services import appointment_book, calendar_feed_renew
from sessions.tests.factories import ServiceFactory, weekly_hours


def _book(practice, therapist, client, local):
    return appointment_book(
        practice=practice,
        client=client,
        therapist=therapist,
        service=ServiceFactory(practice=practice),
        starts_at=local.replace(tzinfo=practice.zone),
    )


def test_the_feed_shows_only_first_name_and_initial_and_can_be_revoked(client, client_for, therapist, practice):
    colleague = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    soon = timezone.localtime(timezone.now(), practice.zone).replace(
        tzinfo=None, hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=2)
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        weekly_hours(practice, colleague)
        _book(practice, therapist, ClientFactory(practice=practice, first_name="Linden", last_name="Northcott"), soon)
        _book(practice, colleague, ClientFactory(practice=practice, first_name="Parker", last_name="Oldfield"), soon)
    as_therapist = client_for(therapist)
    response = as_therapist.post(f"/p/{practice.slug}/calendar/feed/renew/", follow=True)
    url = re.search(r"http://testserver(/calendar-feed/\S+\.ics)", response.content.decode()).group(1)

    feed = client.get(url)  # no login: calendar apps cannot sign in
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Linden N. ·")
    assert b"Northcott" not in feed.content and b"Parker" not in feed.content

    as_therapist.post(f"/p/{practice.slug}/calendar/feed/revoke/")
    assert client.get(url).status_code == 404
    assert client.get("/calendar-feed/made-up.ics").status_code == 404


def test_a_reminder_goes_out_only_with_reminder_consent(practice, therapist, send_outbox, mailoutbox):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        agreed = ClientFactory(practice=practice, email="agreed@clients.example")
        intake_record(client=agreed, source="client_link", answers=intake_answers(reminder_channel="email"))
        declined = ClientFactory(practice=practice, email="declined@clients.example")
        intake_record(client=declined, source="client_link", answers=intake_answers(reminder_channel="none"))
        visit = datetime(2030, 12, 9, 10, 0)
        _book(practice, therapist, agreed, visit)
        _book(practice, therapist, declined, visit + timedelta(hours=4))
    send_outbox()  # the confirmations (service messages) go now
    assert sorted(m.to[0] for m in mailoutbox) == ["agreed@clients.example", "declined@clients.example"]
    mailoutbox.clear()
    with time_machine.travel(datetime(2030, 12, 8, 23, 0).replace(tzinfo=practice.zone)):
        send_outbox()
    assert [m.to[0] for m in mailoutbox] == ["agreed@clients.example"]
    assert "Reminder" in mailoutbox[0].subject
    with scopes_disabled():
        skipped = OutboxMessage.objects.get(kind="appointment_reminder", address="declined@clients.example")
    assert skipped.status == "skipped" and "withdrawn" in skipped.skip_reason


def test_the_feed_costs_the_same_few_queries_however_many_visits(
    client, therapist, practice, django_assert_max_num_queries
):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        token = calendar_feed_renew(practice=practice, therapist=therapist)
    url = f"/calendar-feed/{token}.ics"
    start = timezone.localtime(timezone.now(), practice.zone).replace(
        tzinfo=None, hour=9, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)

    def fill(count, offset):
        with scope(practice=practice):
            for n in range(count):
                _book(practice, therapist, ClientFactory(practice=practice), start + timedelta(days=offset + n))

    fill(2, 0)
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    fill(20, 2)
    with django_assert_max_num_queries(5):
        feed = client.get(url)
    assert len(icalendar.Calendar.from_ical(feed.content).walk("VEVENT")) == 22
