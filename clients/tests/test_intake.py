"""Versioned intake: immutable versions, differences, consent kept in step, audit of every read,
validation that explains itself, export and erasure."""

import json

import pytest
from django_scopes import scope, scopes_disabled

from clients.intake import intake_changes
from clients.models import Client, IntakeLink, IntakeVersion
from clients.services import intake_link_send, intake_record
from clients.tests.factories import ClientFactory, intake_answers, intake_post
from outbox.consent import has_consent
from outbox.models import ConsentEvent, OutboxMessage, Purpose
from practice.models import AuditEvent


@pytest.fixture
def client_record(practice):
    with scope(practice=practice):
        yield ClientFactory(practice=practice, first_name="Devon", last_name="Everly", email="devon@clients.example")


def _record(client, **answers):
    with scope(practice=client.practice):
        return intake_record(client=client, source=IntakeVersion.Source.CLIENT_LINK, answers=intake_answers(**answers))


def _url(client, tail=""):
    return f"/p/{client.practice.slug}/clients/{client.pk}/{tail}"


def test_versions_are_numbered_and_never_changed(client_record):
    first = _record(client_record)
    second = _record(client_record, pressure="deep")
    assert (first.number, second.number) == (1, 2)
    first.pressure = "light"
    with pytest.raises(ValueError, match="never changed"):
        first.save()
    with scopes_disabled():
        assert IntakeVersion.objects.get(pk=first.pk).pressure == "medium"


def test_a_staff_edit_keeps_the_signature_and_a_diff_shows_what_changed(client_for, therapist, client_record):
    signed = _record(client_record)
    response = client_for(therapist).post(
        _url(client_record, "intake/edit/"), intake_post(pressure="firm", pain_neck="3", avoid_areas=["feet", "legs"])
    )
    assert response.status_code == 302
    with scopes_disabled():
        latest = IntakeVersion.objects.get(client=client_record, number=2)
    assert latest.source == "staff" and latest.created_by == therapist
    assert latest.consent_to_treatment and latest.signed_at == signed.signed_at
    changes = {c["field"]: (c["before"], c["after"]) for c in intake_changes(signed, latest)}
    assert changes == {
        "pain_ratings": ("Neck 6/10", "Neck 3/10"),
        "pressure": ("Medium", "Firm"),
        "avoid_areas": ("Feet", "Feet, Legs"),
    }
    page = client_for(therapist).get(_url(client_record, "intake/compare/"))
    assert b"Medium" in page.content and b"Firm" in page.content


@pytest.mark.parametrize(
    "bad,field,message",
    [
        ({"pain_neck": "11"}, "pain_neck", "0 to 10"),
        ({"pain_neck": "-1"}, "pain_neck", "0 to 10"),
        ({"pain_neck": "a lot"}, "pain_neck", "number from 0 to 10"),
        ({"pressure": ""}, "pressure", "required"),
        ({"pressure": "crushing"}, "pressure", "valid choice"),
        ({"cautions": ["allergies"]}, "caution_details", "details"),
        ({"focus_areas": ["neck"], "avoid_areas": ["neck"]}, "avoid_areas", "both"),
    ],
)
def test_bad_intake_answers_are_explained_and_kept(client_for, therapist, client_record, bad, field, message):
    response = client_for(therapist).post(
        _url(client_record, "intake/edit/"), intake_post(goals="Sleep through the night", **bad)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert b"Sleep through the night" in response.content
    with scopes_disabled():
        assert not IntakeVersion.objects.filter(client=client_record).exists()


def test_consents_follow_the_intake_into_the_outreach_ledger(client_for, owner, client_record):
    practice = client_record.practice
    _record(client_record, marketing_email=True, followup_consent=True)

    def consents(address="devon@clients.example"):
        with scope(practice=practice):
            return {
                p: has_consent(practice=practice, channel="email", address=address, purpose=p)
                for p in (Purpose.MARKETING, Purpose.CARE, Purpose.REMINDERS)
            }

    assert consents() == {Purpose.MARKETING: True, Purpose.CARE: True, Purpose.REMINDERS: True}
    _record(client_record, marketing_email=False, followup_consent=True, reminder_channel="none")
    assert consents() == {Purpose.MARKETING: False, Purpose.CARE: True, Purpose.REMINDERS: False}
    with scopes_disabled():
        withdrawal = ConsentEvent.objects.filter(purpose=Purpose.MARKETING).latest("at")
    assert withdrawal.client_ref == client_record.pk and withdrawal.note == "intake v2"
    # A new address gets the answers the client gave, once the client confirms it is theirs.
    client_for(owner).post(
        _url(client_record, "edit/"),
        {"first_name": "Devon", "last_name": "Everly", "email": "devon.new@clients.example"},
    )
    assert consents("devon.new@clients.example")[Purpose.CARE] is False
    with scopes_disabled():
        confirmation = OutboxMessage.objects.get(kind="email_confirmation")
    assert confirmation.address == "devon.new@clients.example"
    assert client_for(owner).get(confirmation.context["url"].split(":8000", 1)[1]).status_code == 200
    assert consents("devon.new@clients.example")[Purpose.CARE] is True


def test_every_read_of_the_intake_is_in_the_audit_log(client_for, therapist, client_record):
    version = _record(client_record)
    as_therapist = client_for(therapist)
    for tail in ("intake/", f"intake/{version.pk}/", "brief/", "intake/compare/"):
        assert as_therapist.get(_url(client_record, tail)).status_code == 200
    with scopes_disabled():
        reads = AuditEvent.objects.filter(actor=therapist, action="view", practice=client_record.practice)
        assert reads.count() == 4
        assert {e.record_type for e in reads} == {"clients.intakeversion"}


def test_the_front_desk_sends_the_link_but_cannot_read_health_answers(client_for, front_desk, client_record):
    _record(client_record)
    as_desk = client_for(front_desk)
    assert as_desk.get(_url(client_record, "brief/")).status_code == 403
    assert as_desk.get(_url(client_record, "intake/")).status_code == 403
    detail = as_desk.get(_url(client_record))
    assert b"Read the intake" not in detail.content and b"Send a link" in detail.content
    assert as_desk.post(_url(client_record, "intake/send-link/")).status_code == 302
    with scopes_disabled():
        message = OutboxMessage.objects.get(kind="intake_link")
    assert message.address == "devon@clients.example" and message.client_ref == client_record.pk


def test_no_email_no_link(client_for, front_desk, practice):
    with scope(practice=practice):
        no_email = ClientFactory(practice=practice, email="")
    response = client_for(front_desk).post(_url(no_email, "intake/send-link/"), follow=True)
    assert b"Add the client" in response.content
    with scopes_disabled():
        assert not IntakeLink.objects.exists()


def test_the_owner_exports_a_client_and_it_is_audited(client_for, owner, client_record):
    _record(client_record, marketing_email=True)
    as_owner = client_for(owner)
    exported = as_owner.get(_url(client_record, "export.json"))
    data = json.loads(exported.content)
    assert exported["Content-Disposition"].startswith("attachment")
    assert data["client"]["email"] == "devon@clients.example"
    assert data["intake_versions"][0]["pressure"] == "medium" and data["intake_versions"][0]["pain_ratings"] == {
        "neck": 6
    }
    assert any(c["purpose"] == "marketing" and c["granted"] for c in data["consents"])
    readable = as_owner.get(_url(client_record, "export/"))
    assert readable.status_code == 200 and b"Intake version 1" in readable.content
    with scopes_disabled():
        assert AuditEvent.objects.filter(record_id=str(client_record.pk), action="export").count() == 2


def test_erasure_removes_everything_but_the_audit_trail(client_for, owner, client_record):
    _record(client_record, marketing_email=True)
    with scope(practice=client_record.practice):
        intake_link_send(client=client_record, actor=owner)
    as_owner = client_for(owner)
    refused = as_owner.post(_url(client_record, "erase/"), {"confirm_name": "someone else"})
    assert refused.status_code == 400
    erased = as_owner.post(_url(client_record, "erase/"), {"confirm_name": "devon everly"})
    assert erased.status_code == 302
    with scopes_disabled():
        assert not Client.objects.filter(pk=client_record.pk).exists()
        assert not IntakeVersion.objects.exists() and not IntakeLink.objects.exists()
        assert not OutboxMessage.objects.filter(client_ref=client_record.pk).exists()
        assert not ConsentEvent.objects.filter(client_ref=client_record.pk).exists()
        erasure = AuditEvent.objects.get(record_id=str(client_record.pk))
        assert erasure.action == "delete" and erasure.record_label == "Devon Everly"
        assert AuditEvent.objects.filter(record_type="clients.intakeversion", action="create").exists()
