"""A role that may not read the intake never obtains its answers by any path: a link it sends opens
blank (and the client's previous answers are kept for what they leave empty), and an address
someone typed gets no health information until the client confirms it is theirs."""

import re

import pytest
from django.core.cache import cache
from django_scopes import scope, scopes_disabled

from clients.models import Client, IntakeLink, IntakeVersion
from clients.services import intake_link_send, intake_link_url, intake_record
from clients.tests.factories import ClientFactory, intake_answers, intake_post
from outbox.consent import has_consent
from outbox.models import OutboxMessage, Purpose
from practice.models import AuditEvent

SECRETS = (b"peanut oil", b"Run the marathon again", b"Left knee after surgery")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def returning(practice):
    """A client with an intake full of health answers nobody at the desk may read."""
    with scope(practice=practice):
        client = ClientFactory(practice=practice, first_name="Rowan", last_name="Ashby", email="rowan@clients.example")
        intake_record(
            client=client,
            source=IntakeVersion.Source.CLIENT_LINK,
            answers=intake_answers(
                cautions=["allergies"],
                caution_details="peanut oil",
                goals="Run the marathon again",
                area_notes="Left knee after surgery",
                pressure="deep",
            ),
        )
    return client


def _path(link) -> str:
    return intake_link_url(link).split(":8000", 1)[1]


def _page_shows_answers(page) -> bool:
    return any(secret in page.content for secret in SECRETS) or bool(
        re.search(rb'name="pressure" value="deep"[^>]*checked', page.content)
    )


def _desk_sends_link(client_for, front_desk, client) -> IntakeLink:
    url = f"/p/{client.practice.slug}/clients/{client.pk}/intake/send-link/"
    assert client_for(front_desk).post(url, REMOTE_ADDR="203.0.113.9").status_code == 302
    with scopes_disabled():
        return IntakeLink.objects.get(client=client)


def test_a_link_the_front_desk_sends_opens_blank_and_keeps_the_previous_answers(
    client, client_for, front_desk, returning
):
    link = _desk_sends_link(client_for, front_desk, returning)
    page = client.get(_path(link))
    assert page.status_code == 200 and b"this form starts empty" in page.content
    assert not _page_shows_answers(page)

    answers = intake_post(signature_name="Rowan Ashby", pressure="firm", goals="", reason_for_visit="")
    post = {"me-first_name": "Rowan", "me-last_name": "Ashby", "me-email": "rowan@clients.example", **answers}
    for name in ("focus_areas", "avoid_areas"):
        post.pop(name)
    assert client.post(_path(link), post).status_code == 302
    with scopes_disabled():
        newest = IntakeVersion.objects.filter(client=returning).order_by("-number").first()
    assert newest.number == 2 and newest.pressure == "firm"  # today's answer
    assert (newest.caution_details, newest.goals, newest.area_notes) == (
        "peanut oil",
        "Run the marathon again",
        "Left knee after surgery",
    )  # what the client left empty is kept, not wiped
    assert newest.focus_areas == ["neck"] and newest.cautions == ["allergies"]


def test_the_audit_names_who_sent_which_link_to_which_address(client_for, front_desk, returning):
    link = _desk_sends_link(client_for, front_desk, returning)
    with scopes_disabled():
        sent = AuditEvent.objects.get(action=AuditEvent.Action.SEND, record_id=str(link.pk))
    assert sent.actor == front_desk and sent.ip_address == "203.0.113.9"
    assert sent.detail == "sent an intake link to rowan@clients.example (a blank form)"


def test_a_therapists_link_to_the_confirmed_address_shows_the_answers(client, therapist, returning):
    with scope(practice=returning.practice):
        link = intake_link_send(client=returning, actor=therapist)
    assert link.prefilled and _page_shows_answers(client.get(_path(link)))


def test_an_address_the_desk_typed_gets_no_health_information_until_the_client_confirms_it(
    client, client_for, front_desk, therapist, returning
):
    practice = returning.practice
    edit = f"/p/{practice.slug}/clients/{returning.pk}/edit/"
    changed = client_for(front_desk).post(
        edit, {"first_name": "Rowan", "last_name": "Ashby", "email": "desk@x.example"}
    )
    assert changed.status_code == 302

    # Even a therapist's link to that address opens blank, and no follow-up consent goes with it.
    with scope(practice=practice):
        returning.refresh_from_db()
        link = intake_link_send(client=returning, actor=therapist)
        assert not has_consent(practice=practice, channel="email", address="desk@x.example", purpose=Purpose.CARE)
    assert not link.prefilled and not _page_shows_answers(client.get(_path(link)))

    # The client is asked at that address; whoever opens the confirmation makes it the client's.
    with scopes_disabled():
        confirmation = OutboxMessage.objects.get(kind="email_confirmation")
    assert confirmation.address == "desk@x.example" and confirmation.client_ref == returning.pk
    token_path = confirmation.context["url"].split(":8000", 1)[1]
    assert client.get(token_path[:-3] + "xx/").status_code == 410  # a forged link confirms nothing
    assert client.get(token_path).status_code == 200
    with scope(practice=practice):
        assert has_consent(practice=practice, channel="email", address="desk@x.example", purpose=Purpose.CARE)
        assert Client.objects.get(pk=returning.pk).email_confirmed


def test_a_confirmation_for_an_address_changed_since_confirms_nothing(client, client_for, owner, returning):
    edit = f"/p/{returning.practice.slug}/clients/{returning.pk}/edit/"
    for email in ("first@x.example", "second@x.example"):
        client_for(owner).post(edit, {"first_name": "Rowan", "last_name": "Ashby", "email": email})
    with scopes_disabled():
        first = OutboxMessage.objects.get(kind="email_confirmation", address="first@x.example")
    assert client.get(first.context["url"].split(":8000", 1)[1]).status_code == 410
    with scopes_disabled():
        assert not Client.objects.get(pk=returning.pk).email_confirmed
