"""Release authorisations: signed by the client, for one partner, until they expire or are revoked."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from outreach.models import ReleaseAuthorisation
from outreach.releases import release_refusal, valid_release
from practice.models import AuditEvent
from referrals.models import Partner


def _setup(practice, other_practice):
    with scope(practice=practice):
        client = ClientFactory(practice=practice, first_name="Jules", last_name="Abernathy")
        partner = Partner.objects.create(practice=practice, organisation="Quayside Chiropractic", kind="chiropractor")
    with scope(practice=other_practice):
        foreign = Partner.objects.create(practice=other_practice, organisation="Elsewhere Clinic", kind="physio")
    return client, partner, foreign


def test_a_signed_release_allows_reports_until_it_expires_or_is_revoked(client_for, therapist, practice, other_practice):
    client, partner, _ = _setup(practice, other_practice)
    url = f"/p/{practice.slug}/clients/{client.pk}/releases/"
    as_therapist = client_for(therapist)
    with scope(practice=practice):
        assert "has not authorised" in release_refusal(client=client, partner=partner)
    unsigned = as_therapist.post(url, {"partner": str(partner.pk), "signed_name": "J A"})
    assert unsigned.status_code == 400 and b"typing their full name" in unsigned.content
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    as_therapist.post(url, {"partner": str(partner.pk), "signed_name": "jules abernathy", "expires_on": until})
    with scope(practice=practice):
        release = valid_release(client=client, partner=partner)
        assert release is not None and release.signed_ip == "127.0.0.1" and release_refusal(client=client, partner=partner) == ""
    with time_machine.travel(timezone.now() + timedelta(days=31)), scope(practice=practice):
        assert "expired" in release_refusal(client=client, partner=partner)
    as_therapist.post(f"{url}{release.pk}/revoke/")
    with scope(practice=practice):
        assert "revoked" in release_refusal(client=client, partner=partner)
    with scopes_disabled():
        details = set(AuditEvent.objects.filter(record_id=str(release.pk)).values_list("detail", flat=True))
    assert details == {"release of information signed", "release revoked"}


def test_another_practices_partner_cannot_be_authorised(client_for, owner, practice, other_practice):
    client, _, foreign = _setup(practice, other_practice)
    response = client_for(owner).post(f"/p/{practice.slug}/clients/{client.pk}/releases/",
                                      {"partner": str(foreign.pk), "signed_name": "Jules Abernathy"})
    assert response.status_code == 400 and b"Choose the partner" in response.content
    with scopes_disabled():
        assert not ReleaseAuthorisation.objects.exists()


def test_the_front_desk_does_not_handle_releases(client_for, front_desk, practice, other_practice):
    client, _, _ = _setup(practice, other_practice)
    assert client_for(front_desk).get(f"/p/{practice.slug}/clients/{client.pk}/releases/").status_code == 403
