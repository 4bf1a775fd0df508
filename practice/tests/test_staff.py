"""Invitations, role changes, removal, and the rule that a practice always keeps an owner."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from practice.models import AuditEvent, Invitation, Membership
from practice.tests.factories import PASSWORD, MembershipFactory, UserFactory

Role = Membership.Role


def _invite(client, practice, email="newhire@staff.example", role=Role.THERAPIST):
    return client.post(reverse("practice:staff-invite", args=[practice.slug]), {"email": email, "role": role})


def _link_from(mail):
    return re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", mail.body).group(1)


def test_an_invited_person_creates_an_account_and_joins_once(
    client, client_for, owner, practice, mailoutbox, send_outbox
):
    response = _invite(client_for(owner), practice)
    send_outbox()
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["newhire@staff.example"]
    assert practice.name in mailoutbox[0].subject
    link = _link_from(mailoutbox[0])

    page = client.get(link)
    assert page.status_code == 200 and b"Create my account" in page.content
    joined = client.post(
        link, {"first_name": "Nia", "last_name": "Oakes", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert joined.status_code == 302 and joined["Location"] == f"/p/{practice.slug}/"
    membership = Membership.objects.get(practice=practice, user__email="newhire@staff.example")
    assert membership.role == Role.THERAPIST
    assert client.get(f"/p/{practice.slug}/").status_code == 200  # signed in straight away

    reused = client.post(link, {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD})
    assert reused.status_code == 410 and b"already been accepted" in reused.content


def test_an_expired_invitation_explains_itself(client, client_for, owner, practice, mailoutbox, send_outbox):
    _invite(client_for(owner), practice)
    send_outbox()
    link = _link_from(mailoutbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        page = client.get(link)
    assert page.status_code == 410 and b"expired" in page.content


def test_an_existing_account_joins_after_signing_in_with_the_invited_address(
    client_for, owner, practice, outsider, mailoutbox, send_outbox
):
    _invite(client_for(owner), practice, email=outsider.email, role=Role.FRONT_DESK)
    send_outbox()
    link = _link_from(mailoutbox[0])
    response = client_for(outsider).post(link)
    assert response.status_code == 302
    assert Membership.objects.get(practice=practice, user=outsider).role == Role.FRONT_DESK
    # one person, two practices: the picker offers both
    picker = client_for(outsider).get("/")
    assert picker.status_code == 200 and practice.name.encode() in picker.content


def test_an_invitation_cannot_be_accepted_by_someone_else(
    client_for, owner, therapist, practice, mailoutbox, send_outbox
):
    _invite(client_for(owner), practice, email="someone.else@staff.example")
    send_outbox()
    stranger = UserFactory(email="stranger@staff.example")
    response = client_for(stranger).post(_link_from(mailoutbox[0]))
    assert response.status_code == 400 and b"someone.else@staff.example" in response.content
    assert not Membership.objects.filter(user=stranger).exists()


def test_bad_invitation_input_is_answered_and_nothing_is_sent(client_for, owner, therapist, practice, mailoutbox):
    as_owner = client_for(owner)
    assert _invite(as_owner, practice, email="not-an-address").status_code == 400
    existing = _invite(as_owner, practice, email=therapist.email)
    assert existing.status_code == 400 and b"already a member" in existing.content
    assert mailoutbox == []


def test_the_owner_changes_a_role_with_htmx_and_it_is_audited(client_for, owner, therapist, practice):
    membership = Membership.objects.get(user=therapist, practice=practice)
    url = reverse("practice:staff-change-role", args=[practice.slug, membership.pk])
    response = client_for(owner).post(url, {"role": Role.FRONT_DESK}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Saved" in response.content
    membership.refresh_from_db()
    assert membership.role == Role.FRONT_DESK
    with scopes_disabled():
        event = AuditEvent.objects.get(practice=practice, record_id=str(membership.pk))
    assert event.actor == owner and "Therapist → Front desk" in event.detail


def test_the_last_owner_can_be_neither_demoted_nor_removed(client_for, owner, practice):
    membership = Membership.objects.get(user=owner, practice=practice)
    as_owner = client_for(owner)
    demote = as_owner.post(
        reverse("practice:staff-change-role", args=[practice.slug, membership.pk]),
        {"role": Role.THERAPIST},
        HTTP_HX_REQUEST="true",
    )
    assert demote.status_code == 200 and b"at least one owner" in demote.content
    remove = as_owner.post(reverse("practice:staff-remove", args=[practice.slug, membership.pk]), follow=True)
    assert b"last owner cannot be removed" in remove.content
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_with_a_second_owner_the_first_may_step_down(client_for, owner, practice):
    MembershipFactory(practice=practice, role=Role.OWNER)
    membership = Membership.objects.get(user=owner, practice=practice)
    client_for(owner).post(
        reverse("practice:staff-change-role", args=[practice.slug, membership.pk]), {"role": Role.THERAPIST}
    )
    membership.refresh_from_db()
    assert membership.role == Role.THERAPIST


def test_a_removed_member_loses_access(client_for, owner, front_desk, practice):
    membership = Membership.objects.get(user=front_desk, practice=practice)
    client_for(owner).post(reverse("practice:staff-remove", args=[practice.slug, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert client_for(front_desk).get(f"/p/{practice.slug}/").status_code == 404


def test_a_withdrawn_invitation_stops_working(client, client_for, owner, practice, mailoutbox, send_outbox):
    _invite(client_for(owner), practice)
    send_outbox()
    with scopes_disabled():
        invitation = Invitation.objects.get(practice=practice)
    client_for(owner).post(reverse("practice:invitation-revoke", args=[practice.slug, invitation.pk]))
    assert client.get(_link_from(mailoutbox[0])).status_code == 410


@pytest.mark.django_db
def test_another_practices_member_cannot_be_touched(client_for, owner, practice, outsider, other_practice):
    theirs = Membership.objects.get(user=outsider, practice=other_practice)
    response = client_for(owner).post(reverse("practice:staff-remove", args=[practice.slug, theirs.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()
