"""Release authorisations: signed by the client, for one partner, until they expire or are revoked."""

import re
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


def test_a_signed_release_allows_reports_until_it_expires_or_is_revoked(
    client_for, therapist, practice, other_practice
):
    client, partner, _ = _setup(practice, other_practice)
    url = f"/p/{practice.slug}/clients/{client.pk}/releases/"
    as_therapist = client_for(therapist)
    with scope(practice=practice):
        assert "has not authorised" in release_refusal(client=client, partner=partner)
    unsigned = as_therapist.post(url, {"partner": str(partner.pk), "signed_name": "J A"})
    assert unsigned.status_code == 400 and b"typing their full name" in unsigned.content
    # The form's dates are the practice's own: 30 days from the practice's today, whatever the hour in UTC.
    until = (timezone.localdate(timezone=practice.zone) + timedelta(days=30)).isoformat()
    as_therapist.post(url, {"partner": str(partner.pk), "signed_name": "jules abernathy", "expires_on": until})
    with scope(practice=practice):
        release = valid_release(client=client, partner=partner)
        assert (
            release is not None
            and release.signed_ip == "127.0.0.1"
            and release_refusal(client=client, partner=partner) == ""
        )
    with time_machine.travel(timezone.now() + timedelta(days=31)), scope(practice=practice):
        assert "expired" in release_refusal(client=client, partner=partner)
    as_therapist.post(f"{url}{release.pk}/revoke/")
    with scope(practice=practice):
        assert "revoked" in release_refusal(client=client, partner=partner)
    with scopes_disabled():
        details = set(AuditEvent.objects.filter(record_id=str(release.pk)).values_list("detail", flat=True))
    assert details == {"release of information signed in the clinic", "release revoked"}


def test_another_practices_partner_cannot_be_authorised(client_for, owner, practice, other_practice):
    client, _, foreign = _setup(practice, other_practice)
    response = client_for(owner).post(
        f"/p/{practice.slug}/clients/{client.pk}/releases/",
        {"partner": str(foreign.pk), "signed_name": "Jules Abernathy"},
    )
    assert response.status_code == 400 and b"Choose the partner" in response.content
    with scopes_disabled():
        assert not ReleaseAuthorisation.objects.exists()


def test_the_front_desk_does_not_handle_releases(client_for, front_desk, practice, other_practice):
    client, _, _ = _setup(practice, other_practice)
    assert client_for(front_desk).get(f"/p/{practice.slug}/clients/{client.pk}/releases/").status_code == 403


def test_the_client_signs_a_requested_release_on_their_own_intake_page(
    client, client_for, therapist, practice, other_practice, send_outbox, mailoutbox
):
    from django.core.cache import cache

    from clients.tests.factories import intake_post
    from outreach.models import ReleaseRequest

    cache.clear()
    jules, partner, _ = _setup(practice, other_practice)
    url = f"/p/{practice.slug}/clients/{jules.pk}/releases/"
    client_for(therapist).post(url, {"partner": str(partner.pk), "action": "request"})
    send_outbox()
    path = re.search(r"https?://[^/\s]+(/intake/\S+/)", mailoutbox[-1].body).group(1)
    page = client.get(path).content.decode()
    assert "I authorise Harbour Test Massage to send progress reports about my massage therapy to Quayside" in page
    with scope(practice=practice):
        request = ReleaseRequest.objects.get(client=jules)
    answers = {
        "me-first_name": "Jules",
        "me-last_name": "Abernathy",
        "me-email": jules.email,
        "me-phone": jules.phone,
        **intake_post(signature_name="Jules A."),
    }
    bad = client.post(path, {**answers, "consent_to_treatment": "", "extra_consent": f"release-{request.pk}"})
    assert (
        bad.status_code == 400
        and "checked" in bad.content.decode().split(f'value="release-{request.pk}"')[1].split(">")[0]
    )
    assert (
        client.post(path, {**answers, "extra_consent": f"release-{request.pk}"}, REMOTE_ADDR="198.51.100.9").status_code
        == 302
    )
    with scope(practice=practice):
        release = valid_release(client=jules, partner=partner)
        assert release.source == "intake_link" and release.signed_name == "Jules A."
        assert release.signed_ip == "198.51.100.9" and release.expires_on == request.expires_on
        assert ReleaseRequest.objects.get(pk=request.pk).release == release
    releases_page = client_for(therapist).get(url).content.decode()
    assert "Waiting for the client to sign" not in releases_page and "in force until" in releases_page


def test_a_release_left_unticked_on_the_intake_page_is_not_signed(
    client, client_for, therapist, practice, other_practice, send_outbox, mailoutbox
):
    from clients.tests.factories import intake_post

    jules, partner, _ = _setup(practice, other_practice)
    client_for(therapist).post(
        f"/p/{practice.slug}/clients/{jules.pk}/releases/", {"partner": str(partner.pk), "action": "request"}
    )
    send_outbox()
    path = re.search(r"https?://[^/\s]+(/intake/\S+/)", mailoutbox[-1].body).group(1)
    answers = {
        "me-first_name": "Jules",
        "me-last_name": "Abernathy",
        "me-email": jules.email,
        "me-phone": jules.phone,
        **intake_post(signature_name="Jules Abernathy"),
    }
    forged = "release-00000000-0000-0000-0000-000000000000"  # not offered: ignored
    assert client.post(path, {**answers, "extra_consent": forged}).status_code == 302
    with scope(practice=practice):
        assert valid_release(client=jules, partner=partner) is None
    assert (
        "Waiting for the client to sign"
        in client_for(therapist).get(f"/p/{practice.slug}/clients/{jules.pk}/releases/").content.decode()
    )
