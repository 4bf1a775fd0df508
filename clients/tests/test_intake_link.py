"""The client's own intake link: delivered through the outbox, valid once, until it expires,
and impossible to forge; bad answers are explained without losing what was typed."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client, IntakeLink, IntakeVersion
from clients.services import intake_link_send, intake_link_url, intake_record
from clients.tests.factories import ClientFactory, intake_answers, intake_post


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def newcomer(practice):
    with scope(practice=practice):
        return ClientFactory(
            practice=practice, first_name="Harper", last_name="Kestrel", email="harper@clients.example"
        )


def _link(client, owner):
    with scope(practice=client.practice):
        link = intake_link_send(client=client, actor=owner)
    return intake_link_url(link).split(":8000", 1)[1], link


def _post(**overrides):
    details = {
        "me-first_name": "Harper",
        "me-last_name": "Kestrel",
        "me-email": "harper@clients.example",
        "me-phone": "+1 603 555 0177",
        "me-date_of_birth": "1990-06-01",
    }
    return {**details, **intake_post(signature_name="Harper Kestrel"), **overrides}


def test_the_emailed_link_opens_the_form_and_a_submission_becomes_a_signed_version(
    client, owner, newcomer, send_outbox, mailoutbox
):
    _link(newcomer, owner)
    send_outbox()
    [email] = mailoutbox
    assert email.to == ["harper@clients.example"] and "intake" in email.subject.lower()
    path = re.search(r"https?://[^/\s]+(/intake/\S+/)", email.body).group(1)

    form = client.get(path)
    assert form.status_code == 200 and b"Hello Harper" in form.content
    done = client.post(path, _post(), REMOTE_ADDR="198.51.100.7")
    assert done.status_code == 302 and done["Location"] == "/intake/thanks/"
    with scopes_disabled():
        version = IntakeVersion.objects.get(client=newcomer)
        link = IntakeLink.objects.get(client=newcomer)
        refreshed = Client.objects.get(pk=newcomer.pk)
    assert version.source == "client_link" and version.number == 1
    assert version.consent_to_treatment and version.signature_name == "Harper Kestrel"
    assert version.signed_ip == "198.51.100.7" and version.signed_at is not None
    assert version.pain_ratings == {"neck": 6} and version.focus_areas == ["neck"]
    assert link.completed_at and link.version == version
    assert refreshed.phone == "+16035550177" and str(refreshed.date_of_birth) == "1990-06-01"  # phone in E.164

    reused = client.post(path, _post())
    assert reused.status_code == 410 and b"already sent" in reused.content


def test_a_returning_client_sees_their_last_answers(client, owner, newcomer):
    with scope(practice=newcomer.practice):
        intake_record(client=newcomer, source="client_link", answers=intake_answers(pressure="deep", goals="Run again"))
    path, _ = _link(newcomer, owner)
    page = client.get(path)
    assert b"answers from last time" in page.content and b"Run again" in page.content
    assert re.search(rb'<input [^>]*name="pressure" value="deep"[^>]*checked', page.content)


def test_an_expired_link_gets_a_clear_page(client, owner, newcomer):
    path, _ = _link(newcomer, owner)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(path)
    assert response.status_code == 410 and b"expired" in response.content


def test_a_tampered_or_made_up_link_gets_a_clear_page(client, owner, newcomer):
    path, link = _link(newcomer, owner)
    tampered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]
    assert client.get(tampered).status_code == 410
    assert b"was changed" in client.get("/intake/not-a-real-token/").content
    with scopes_disabled():
        IntakeLink.objects.filter(pk=link.pk).delete()
    assert b"no longer valid" in client.get(path).content


def test_a_missing_signature_is_explained_and_nothing_typed_is_lost(client, owner, newcomer):
    path, _ = _link(newcomer, owner)
    response = client.post(
        path, _post(signature_name="", consent_to_treatment="", **{"me-email": "harper@"}, goals="Stand straighter")
    )
    assert response.status_code == 400
    assert set(response.context["intake"].errors) >= {"signature_name", "consent_to_treatment"}
    assert "email" in response.context["details"].errors
    assert b"Stand straighter" in response.content and b"Nothing you typed was lost" in response.content
    with scopes_disabled():
        assert not IntakeVersion.objects.exists()


def test_text_reminders_need_a_phone_number(client, owner, newcomer):
    path, _ = _link(newcomer, owner)
    response = client.post(path, _post(reminder_channel="sms", **{"me-phone": ""}))
    assert response.status_code == 400
    assert "phone number" in response.context["intake"].errors["reminder_channel"][0]


def test_submitting_is_rate_limited(client, owner, newcomer):
    path, _ = _link(newcomer, owner)
    for _ in range(10):
        assert client.post(path, _post(pain_neck="99")).status_code == 400
    throttled = client.post(path, _post(goals="Keep this text"))
    assert throttled.status_code == 429 and b"Too many attempts" in throttled.content
    assert b"Keep this text" in throttled.content
