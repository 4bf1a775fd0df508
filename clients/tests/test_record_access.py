"""Minimum necessary (clients.record_access): a practice that keeps therapists to the records of the
clients they have seen or are booked with, the refusal that offers emergency access, the grant
(reason, owners told, every use audited, extended rather than duplicated), and the lists and the
timeline that show a restricted therapist only what they may read."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from clients import record_access
from clients.models import EmergencyAccess
from clients.services import emergency_access_grant
from clients.tests.factories import ClientFactory
from clients.tests.timeline_data import at, client_with_everything
from outbox.models import OutboxMessage
from practice.models import AuditEvent, Membership, Practice
from practice.tests.factories import MembershipFactory
from sessions.models import Appointment

Role = Membership.Role
EMERGENCY = AuditEvent.Action.EMERGENCY_ACCESS
REASON = "Covering for my colleague today: the client is on my table at two."


@pytest.fixture
def colleague(practice):
    return MembershipFactory(practice=practice, role=Role.THERAPIST, user__email="colleague@harbour-test.example").user


@pytest.fixture
def history(practice, colleague):
    """A client seen by the colleague only (notes, a plan, an intake, a release, a draft report)."""
    return client_with_everything(practice, colleague)


@pytest.fixture
def unseen(history):
    return history["client"]


def _setting(practice, value):
    Practice.objects.filter(pk=practice.pk).update(therapist_note_access=value)
    practice.refresh_from_db()


@pytest.fixture
def own(practice):
    _setting(practice, Practice.NoteAccess.OWN_CLIENTS)


def _intake(practice, client):
    return f"/p/{practice.slug}/clients/{client.pk}/intake/"


def _grant_url(practice, client):
    return f"/p/{practice.slug}/clients/{client.pk}/emergency-access/"


def _visit(practice, client, therapist, *, days, status="booked"):
    with scope(practice=practice):
        service = Appointment.objects.filter(practice=practice).first().service
        return Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=at(practice, days, 15),
            ends_at=at(practice, days, 16),
            blocked_until=at(practice, days, 16),
            status=status,
        )


def _events(practice, action=EMERGENCY):
    with scope(practice=practice):
        return list(AuditEvent.objects.filter(practice=practice, action=action).order_by("at"))


# --- Who is refused -----------------------------------------------------------------------------


def test_it_lets_every_therapist_read_every_client_by_default(client_for, practice, therapist, unseen):
    assert client_for(therapist).get(_intake(practice, unseen)).status_code == 200


def test_it_refuses_a_therapist_a_client_they_never_saw_and_offers_emergency_access(
    client_for, practice, therapist, unseen, own
):
    page = client_for(therapist).get(_intake(practice, unseen) + "?from=list")
    assert page.status_code == 403
    text = page.content.decode()
    assert f"{unseen} is not one of your clients" in text
    assert "keeps therapists to the records of the clients they have seen or are booked with" in text
    assert f'action="{_grant_url(practice, unseen)}"' in text
    assert f'name="next" value="{_intake(practice, unseen)}?from=list"' in text
    assert 'name="reason"' in text
    assert _events(practice) == []  # a refusal is not a use


@pytest.mark.parametrize(
    "status,days,reads",
    [
        ("booked", 3, True),  # booked with them: the intake before the first visit
        ("completed", -30, True),
        ("no_show", -5, True),  # was booked with them
        ("cancelled", 3, False),  # a cancelled booking never became care
    ],
)
def test_a_visit_with_the_client_opens_their_record_unless_it_was_cancelled(
    client_for, practice, therapist, unseen, own, status, days, reads
):
    _visit(practice, unseen, therapist, days=days, status=status)
    assert client_for(therapist).get(_intake(practice, unseen)).status_code == (200 if reads else 403)


def test_owners_read_every_record_and_the_front_desk_still_reads_none(
    client_for, practice, owner, front_desk, unseen, own
):
    assert client_for(owner).get(_intake(practice, unseen)).status_code == 200
    refused = client_for(front_desk).get(_intake(practice, unseen))
    assert refused.status_code == 403 and b"Emergency access" not in refused.content  # the role's 403


def test_the_colleague_who_saw_the_client_reads_every_page_of_the_record(client_for, practice, colleague, history, own):
    as_colleague, slug, client = client_for(colleague), practice.slug, history["client"]
    for url in (
        _intake(practice, client),
        f"/p/{slug}/clients/{client.pk}/progress/",
        f"/p/{slug}/appointments/{history['last'].pk}/note/",
        f"/p/{slug}/clients/{client.pk}/releases/",
    ):
        assert as_colleague.get(url).status_code == 200, url


def test_an_argument_no_app_registered_is_refused_rather_than_let_through(practice, therapist, unseen, own):
    request = RequestFactory().get(f"/p/{practice.slug}/clients/{unseen.pk}/intake/")
    request.user, request.practice = therapist, practice
    request.membership = Membership.objects.select_related("practice").get(practice=practice, user=therapist)
    with scope(practice=practice), pytest.raises(PermissionDenied):
        record_access.record_rule(request, "intake.view", {"practice_slug": practice.slug, "mystery_id": unseen.pk})
    assert record_access.understood(["practice_slug", "share_id", "report_id"]) == (["report_id"], [])
    assert record_access.understood(["practice_slug", "share_id"]) == ([], ["share_id"])  # its parent decides


# --- Emergency access ---------------------------------------------------------------------------


def test_a_reason_opens_the_record_tells_the_owners_and_every_use_is_audited(
    client_for, practice, owner, therapist, unseen, own
):
    second_owner = MembershipFactory(practice=practice, role=Role.OWNER, user__email="co-owner@harbour-test.example")
    as_therapist = client_for(therapist)
    granted = as_therapist.post(_grant_url(practice, unseen), {"reason": REASON, "next": _intake(practice, unseen)})
    assert granted.status_code == 302 and granted["Location"] == _intake(practice, unseen)

    page = as_therapist.get(_intake(practice, unseen))
    assert page.status_code == 200
    assert b"Emergency access</strong> to" in page.content and b"until" in page.content
    assert as_therapist.get(f"/p/{practice.slug}/clients/{unseen.pk}/progress/").status_code == 200

    grant_event, *uses = _events(practice)
    assert grant_event.record_type == "clients.emergencyaccess" and grant_event.actor == therapist
    assert grant_event.record_label == str(unseen) and REASON in grant_event.detail
    assert [use.detail for use in uses] == [
        "read clients:intake-detail under emergency access",
        "read sessions:progress under emergency access",
    ]
    assert {use.record_id for use in uses} == {str(unseen.pk)}
    with scope(practice=practice):
        grant = EmergencyAccess.objects.get(practice=practice)
        notices = OutboxMessage.objects.filter(practice=practice, kind="emergency_access")
        assert grant.reason == REASON and grant.user == therapist
        assert timedelta(minutes=59) < grant.expires_at - grant.granted_at <= timedelta(minutes=60)
        assert sorted(notices.values_list("address", flat=True)) == sorted([owner.email, second_owner.user.email])
        context = notices.first().context
        assert context["therapist"] == str(therapist) and context["client"] == str(unseen)
        assert REASON not in str(context)  # the reason stays in the audit log


def test_the_owners_email_says_who_whose_record_and_until_when(practice, owner, therapist, unseen, own, send_outbox):
    from django.core import mail

    with scope(practice=practice):
        emergency_access_grant(client=unseen, actor=therapist, reason=REASON)
    send_outbox()
    (sent,) = mail.outbox
    assert sent.to == [owner.email]
    assert str(therapist) in sent.subject and str(unseen) in sent.subject
    assert f"/p/{practice.slug}/audit/?action=emergency_access" in sent.body
    assert REASON not in sent.body


def test_emergency_access_ends_when_it_expires(client_for, practice, therapist, unseen, own):
    as_therapist = client_for(therapist)
    as_therapist.post(_grant_url(practice, unseen), {"reason": REASON, "next": _intake(practice, unseen)})
    assert as_therapist.get(_intake(practice, unseen)).status_code == 200
    with scope(practice=practice):
        EmergencyAccess.objects.filter(practice=practice).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert as_therapist.get(_intake(practice, unseen)).status_code == 403


@pytest.mark.parametrize("reason", ["", "   ", "need it", "x  y  z  w", "a" * 501])
def test_a_reason_must_be_a_sentence(client_for, practice, therapist, unseen, own, reason):
    page = client_for(therapist).post(_grant_url(practice, unseen), {"reason": reason})
    assert page.status_code == 400 and b'name="reason"' in page.content and b"invalid-feedback" in page.content
    with scope(practice=practice):
        assert not EmergencyAccess.objects.filter(practice=practice).exists()
    assert _events(practice) == []


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/p/harbour-test/", "//evil.example/p/harbour-test/", "/p/elsewhere/clients/", "/login/"],
)
def test_it_goes_back_only_to_a_page_of_this_practice(client_for, practice, therapist, unseen, own, wanted):
    response = client_for(therapist).post(_grant_url(practice, unseen), {"reason": REASON, "next": wanted})
    assert response.status_code == 302 and response["Location"] == f"/p/{practice.slug}/clients/{unseen.pk}/"


def test_it_refuses_a_grant_to_someone_who_reads_the_record_anyway(practice, owner, therapist, unseen):
    from django.core.exceptions import ValidationError

    with scope(practice=practice):
        for actor in (therapist, owner):  # every client's record, by default; an owner always
            with pytest.raises(ValidationError, match="already read"):
                emergency_access_grant(client=unseen, actor=actor, reason=REASON)
        _setting(practice, Practice.NoteAccess.OWN_CLIENTS)
        _visit(practice, unseen, therapist, days=2)
        with pytest.raises(ValidationError, match="already read"):
            emergency_access_grant(client=unseen, actor=therapist, reason=REASON)
        assert not EmergencyAccess.objects.filter(practice=practice).exists()


def test_asking_again_while_it_lasts_extends_the_same_grant_and_tells_the_owners_once(
    practice, owner, therapist, unseen, own
):
    with scope(practice=practice):
        first = emergency_access_grant(client=unseen, actor=therapist, reason=REASON)
        EmergencyAccess.objects.filter(pk=first.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
        again = emergency_access_grant(
            client=unseen, actor=therapist, reason="Still with the client, session ran long."
        )
        assert again.pk == first.pk and again.expires_at > timezone.now() + timedelta(minutes=59)
        assert EmergencyAccess.objects.filter(practice=practice).count() == 1
        assert OutboxMessage.objects.filter(practice=practice, kind="emergency_access").count() == 1
    assert [event.detail.split(" until")[0] for event in _events(practice)] == ["granted", "extended"]


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_grant(practice, owner, therapist, unseen, own):
    barrier, grants = threading.Barrier(2), []

    def ask():
        try:
            with scope(practice=practice):
                barrier.wait()
                grants.append(emergency_access_grant(client=unseen, actor=therapist, reason=REASON).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(grants) == 2 and len(set(grants)) == 1
    with scope(practice=practice):
        assert EmergencyAccess.objects.filter(practice=practice).count() == 1
        assert OutboxMessage.objects.filter(practice=practice, kind="emergency_access").count() == 1


# --- Lists and the timeline ---------------------------------------------------------------------


def test_the_reports_list_shows_a_restricted_therapist_only_their_clients_reports(
    client_for, practice, therapist, history
):
    mine = client_with_everything(practice, therapist)["client"]
    with scope(practice=practice):
        mine.last_name = "Mine"
        mine.save()
    reports_list = f"/p/{practice.slug}/reports/"
    as_therapist = client_for(therapist)
    everyone = as_therapist.get(reports_list).content.decode()
    assert str(history["client"]) in everyone and str(mine) in everyone
    _setting(practice, Practice.NoteAccess.OWN_CLIENTS)
    restricted = as_therapist.get(reports_list).content.decode()
    assert str(history["client"]) not in restricted and str(mine) in restricted
    with scope(practice=practice):
        emergency_access_grant(client=history["client"], actor=therapist, reason=REASON)
    assert str(history["client"]) in as_therapist.get(reports_list).content.decode()


def test_the_timeline_hides_a_restricted_therapists_clinical_kinds_until_emergency_access(
    client_for, practice, therapist, unseen, own
):
    page_url = f"/p/{practice.slug}/clients/{unseen.pk}/"
    as_therapist = client_for(therapist)
    page = as_therapist.get(page_url).content.decode()
    assert "Therapeutic massage 60" in page  # the visits stay
    for clinical in (
        "Session note",
        "tolerated firm pressure",
        "Intake version 1",
        "kind-notes",
        "kind-plans",
        "kind-reports",
        "?kind=notes",
    ):
        assert clinical not in page, clinical
    assert "are not shown to you" in page
    assert _events(practice, AuditEvent.Action.VIEW) == []  # nothing clinical was shown

    as_therapist.post(_grant_url(practice, unseen), {"reason": REASON, "next": page_url})
    page = as_therapist.get(page_url).content.decode()
    assert "tolerated firm pressure" in page and "are not shown to you" not in page
    assert "Emergency access</strong> to" in page
    assert _events(practice)[-1].detail.startswith("read the timeline (feedback, notes, plans) under emergency access")


# --- Costs --------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_only_a_restricted_therapists_record_pages_cost_a_query_more(
    client_for, practice, owner, therapist, unseen, history
):
    _visit(practice, unseen, therapist, days=4)
    note = f"/p/{practice.slug}/appointments/{history['last'].pk}/note/"
    as_owner, as_therapist = client_for(owner), client_for(therapist)
    as_owner.get(note), as_therapist.get(note)  # sessions and caches warm
    before = {"owner": _queries(as_owner, note), "therapist": _queries(as_therapist, note)}
    _setting(practice, Practice.NoteAccess.OWN_CLIENTS)
    assert _queries(as_owner, note) == before["owner"]
    assert _queries(as_therapist, note) == before["therapist"] + 1


def test_a_client_of_another_practice_is_not_found_rather_than_refused(
    client_for, practice, therapist, other_practice, own
):
    with scope(practice=other_practice):
        theirs = ClientFactory(practice=other_practice)
    assert client_for(therapist).get(_intake(practice, theirs)).status_code == 404


def test_a_bad_reason_from_someone_who_reads_the_record_anyway_sends_them_back_without_the_refusal(
    client_for, practice, therapist, unseen
):
    response = client_for(therapist).post(
        _grant_url(practice, unseen), {"reason": "x", "next": _intake(practice, unseen)}
    )
    assert response.status_code == 302 and response["Location"] == _intake(practice, unseen)
