"""A message goes by the first of its kind's channels the client agreed to, else by the first they
have an address for: what lets a text-message channel join without touching the features."""

import pytest
from django_scopes import scope

from clients.contact import client_route
from clients.tests.factories import ClientFactory
from outbox.consent import consent_record
from outbox.kinds import MessageKind
from outbox.models import Channel, ConsentEvent, Purpose

REMINDER_BY_EMAIL_OR_TEXT = MessageKind("test_reminder", Purpose.REMINDERS, channels=(Channel.EMAIL, Channel.SMS))
SERVICE = MessageKind("test_service", Purpose.TRANSACTIONAL, channels=(Channel.EMAIL, Channel.SMS))


@pytest.fixture
def client_record(practice):
    with scope(practice=practice):
        yield ClientFactory(practice=practice, email="kai@clients.example", phone="+16035550142")


def _consent(client, channel, address):
    consent_record(
        practice=client.practice,
        channel=channel,
        address=address,
        purpose=Purpose.REMINDERS,
        granted=True,
        source=ConsentEvent.Source.STAFF,
    )


def test_the_channel_the_client_agreed_to_wins(client_record):
    with scope(practice=client_record.practice):
        assert client_route(client=client_record, kind=REMINDER_BY_EMAIL_OR_TEXT) == (
            Channel.EMAIL,
            client_record.email,
        )
        _consent(client_record, Channel.SMS, client_record.phone)
        assert client_route(client=client_record, kind=REMINDER_BY_EMAIL_OR_TEXT) == (Channel.SMS, "+16035550142")


def test_without_an_address_there_is_no_route_and_service_messages_need_no_consent(client_record):
    with scope(practice=client_record.practice):
        assert client_route(client=client_record, kind=SERVICE) == (Channel.EMAIL, "kai@clients.example")
        client_record.email = ""
        assert client_route(client=client_record, kind=SERVICE) == (Channel.SMS, "+16035550142")
        client_record.phone = ""
        assert client_route(client=client_record, kind=SERVICE) is None
