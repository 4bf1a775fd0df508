"""Links that arrive without a practice find it without reading across practices: invitations and
calendar feeds through the global token-route table, signed links through the practice their
claim names. Links made before (emails sent, cards printed) still work; relations never point
into another practice."""

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from clients.models import IntakeLink
from clients.services import INTAKE_LINK_SALT, intake_link_from_token, intake_link_url
from clients.tests.factories import ClientFactory
from practice.models import TokenRoute
from practice.services import invitation_by_token, invitation_create
from practice.signals import invitation_created
from practice.tenancy import current_reason
from practice.tests.factories import PracticeFactory
from practice.tokens import SIGNED_BEFORE_PRACTICE
from referrals.links import SALT as REFERRAL_SALT
from referrals.links import read_referral_token, referral_url
from sessions.models import TreatmentPlan
from sessions.services import calendar_feed_by_token, calendar_feed_renew
from sessions.tests.factories import ServiceFactory


def test_an_invitation_and_a_calendar_feed_are_found_through_their_route(practice, owner, therapist):
    urls = []

    def keep(sender, accept_url, **kwargs):
        urls.append(accept_url)

    invitation_created.connect(keep, dispatch_uid="test-keep-url")
    try:
        invitation = invitation_create(practice=practice, email="new@staff.example", role="therapist", invited_by=owner)
    finally:
        invitation_created.disconnect(dispatch_uid="test-keep-url")
    [route] = TokenRoute.objects.filter(kind="invitation")
    assert route.practice == practice and route.token_hash == invitation.token_hash
    assert invitation_by_token(urls[0].rstrip("/").rsplit("/", 1)[-1]) == invitation
    with scope(practice=practice):
        token = calendar_feed_renew(practice=practice, therapist=therapist)
    assert calendar_feed_by_token(token).therapist == therapist
    assert calendar_feed_by_token(token + "x") is None
    assert invitation_by_token("made-up") is None


def test_a_signed_link_names_its_practice_and_an_older_one_still_opens(practice, monkeypatch):
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
        link = IntakeLink.objects.create(practice=practice, client=client, expires_at="2099-01-01T00:00Z")
    token = intake_link_url(link).rstrip("/").rsplit("/", 1)[-1]
    assert signing.loads(token, salt=INTAKE_LINK_SALT)["practice"] == str(practice.pk)

    reasons = []
    real = IntakeLink.objects.select_related

    def spy(*args):
        reasons.append(current_reason())
        return real(*args)

    monkeypatch.setattr(IntakeLink.objects, "select_related", spy, raising=False)
    with scopes_disabled():
        assert intake_link_from_token(token) == link
        older = signing.dumps(str(link.pk), salt=INTAKE_LINK_SALT)  # as links were signed before
        assert intake_link_from_token(older) == link
    assert reasons == ["", SIGNED_BEFORE_PRACTICE]


def test_a_referral_card_printed_before_links_named_their_practice_still_reads(practice):
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
    new = referral_url(client=client).rstrip("/").rsplit("/", 1)[-1]
    assert read_referral_token(new) == {"c": str(client.pk), "practice": str(practice.pk)}
    printed = signing.dumps({"c": str(client.pk)}, salt=REFERRAL_SALT)
    assert read_referral_token(printed) == {"c": str(client.pk)}
    assert read_referral_token(signing.dumps({"c": "1", "x": "2"}, salt=REFERRAL_SALT)) is None


def test_a_relation_to_another_practices_row_is_refused(practice):
    other = PracticeFactory()
    with scopes_disabled():
        client = ClientFactory(practice=practice)
        theirs = ServiceFactory(practice=other)
        plan = TreatmentPlan(practice=practice, client=client, service=theirs, phase=None)
        with pytest.raises(ValidationError) as refused:
            plan.full_clean(exclude=["phase"])
    assert "service" in refused.value.message_dict
