"""One-click unsubscribe links: no login, for ever, for one purpose; tampering and replays are safe."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from outbox.consent import consent_record, has_consent
from outbox.links import unsubscribe_token, unsubscribe_url
from outbox.models import ConsentEvent, Purpose

ADDRESS = "casey@clients.example"


@pytest.fixture
def subscribed(practice):
    with scope(practice=practice):
        for purpose in (Purpose.MARKETING, Purpose.CARE):
            consent_record(
                practice=practice,
                channel="email",
                address=ADDRESS,
                purpose=purpose,
                granted=True,
                source=ConsentEvent.Source.INTAKE,
            )
    return practice


def _path(practice, purpose=Purpose.MARKETING):
    return unsubscribe_url(practice_id=practice.pk, channel="email", address=ADDRESS, purpose=purpose).split(":8000")[1]


def _consents(practice):
    with scope(practice=practice):
        return {
            p: has_consent(practice=practice, channel="email", address=ADDRESS, purpose=p)
            for p in (Purpose.MARKETING, Purpose.CARE)
        }


def test_get_only_asks_and_post_unsubscribes_that_purpose_alone(client, subscribed):
    page = client.get(_path(subscribed))
    assert page.status_code == 200 and b"newsletters and offers" in page.content
    assert _consents(subscribed) == {Purpose.MARKETING: True, Purpose.CARE: True}  # a GET changes nothing

    done = client.post(_path(subscribed))
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    assert _consents(subscribed) == {Purpose.MARKETING: False, Purpose.CARE: True}
    with scopes_disabled():
        event = ConsentEvent.objects.filter(address=ADDRESS, purpose=Purpose.MARKETING).latest("at")
    assert event.source == ConsentEvent.Source.UNSUBSCRIBE and event.ip_address == "127.0.0.1"


def test_a_mail_clients_one_click_post_needs_no_cookie_or_csrf_token(subscribed):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(_path(subscribed, Purpose.CARE), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _consents(subscribed)[Purpose.CARE] is False


def test_a_replayed_link_changes_nothing_more(client, subscribed):
    for _ in range(3):
        assert client.post(_path(subscribed)).status_code == 200
    with scopes_disabled():
        withdrawals = ConsentEvent.objects.filter(address=ADDRESS, purpose=Purpose.MARKETING, granted=False)
        assert withdrawals.count() == 1


def test_a_tampered_link_is_refused_and_records_nothing(client, subscribed):
    token = unsubscribe_token(practice_id=subscribed.pk, channel="email", address=ADDRESS, purpose=Purpose.MARKETING)
    body, _, signature = token.rpartition(":")
    forged = f"{body}:{signature[:-2]}xx"
    response = client.post(f"/unsubscribe/{forged}/")
    assert response.status_code == 400 and b"does not work" in response.content
    assert _consents(subscribed) == {Purpose.MARKETING: True, Purpose.CARE: True}


def test_a_link_cannot_be_turned_into_another_purpose(client, subscribed):
    """The purpose is inside the signed payload: a marketing link re-signed for care by anyone
    without the key does not verify, and the genuine marketing link leaves care alone."""
    marketing = unsubscribe_token(
        practice_id=subscribed.pk, channel="email", address=ADDRESS, purpose=Purpose.MARKETING
    )
    care = unsubscribe_token(practice_id=subscribed.pk, channel="email", address=ADDRESS, purpose=Purpose.CARE)
    spliced = marketing.rpartition(":")[0].rpartition(":")[0] + ":" + care.split(":", 1)[1]
    assert client.post(f"/unsubscribe/{spliced}/").status_code == 400
    client.post(f"/unsubscribe/{marketing}/")
    assert _consents(subscribed) == {Purpose.MARKETING: False, Purpose.CARE: True}


def test_links_do_not_expire(client, subscribed):
    path = _path(subscribed)
    with time_machine.travel(timezone.now() + timedelta(days=3650)):
        assert client.post(path).status_code == 200
    assert _consents(subscribed)[Purpose.MARKETING] is False
