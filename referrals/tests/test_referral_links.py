"""Personal referral links: a public page with a request form; a request becomes a new client
attributed to the referrer, once; the referrer is never told."""

import pytest
from django.core.cache import cache
from django_scopes import scope, scopes_disabled

from clients.models import Client
from clients.tests.factories import ClientFactory
from outbox.models import OutboxMessage
from referrals.links import referral_url
from referrals.models import Partner, Referral


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def referrer(practice):
    with scope(practice=practice):
        return ClientFactory(practice=practice, first_name="Harper", email="harper@clients.example")


def _path(**who):
    return referral_url(**who).split(":8000", 1)[1]


REQUEST = {
    "first_name": "Noor",
    "last_name": "Greythorn",
    "email": "noor@new.example",
    "phone": "+1 603 555 0170",
    "message": "Sore shoulders from rowing",
    "consent": "on",
}


def test_a_request_through_a_clients_link_is_attributed_once_and_nobody_is_told(client, practice, referrer):
    path = _path(client=referrer)
    page = client.get(path)
    assert page.status_code == 200 and practice.name.encode() in page.content
    assert client.post(path, REQUEST).status_code == 200
    assert client.post(path, {**REQUEST, "first_name": "Again"}).status_code == 200  # the same person twice
    with scopes_disabled():
        [newcomer] = Client.objects.filter(email="noor@new.example")
        referral = Referral.objects.get(client=newcomer)
        assert newcomer.status == Client.Status.REQUEST and newcomer.first_name == "Noor"
        assert referral.referring_client == referrer and referral.stream == "client"
        assert referral.request_message == "Sore shoulders from rowing" and newcomer.heard_via_detail == ""
        assert not OutboxMessage.objects.exists()  # no message to the referrer, or anyone


def test_a_partners_link_attributes_to_the_partner(client, practice):
    with scope(practice=practice):
        partner = Partner.objects.create(practice=practice, organisation="Harbour Chiropractic", kind="chiropractor")
    client.post(_path(partner=partner), REQUEST)
    with scopes_disabled():
        referral = Referral.objects.get(client__email="noor@new.example")
    assert referral.partner == partner and referral.stream == "medical"


def test_every_field_is_validated_and_kept(client, referrer):
    response = client.post(
        _path(client=referrer), {"first_name": "Noor", "email": "noor@", "phone": "call me", "message": "Keep me"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"last_name", "email", "phone", "consent"}
    assert b"Keep me" in response.content


def test_a_forged_link_is_refused_and_requests_are_rate_limited(client, referrer):
    assert client.get("/r/made-up/").status_code == 410
    path = _path(client=referrer)
    for n in range(5):
        client.post(path, {**REQUEST, "email": f"n{n}@new.example"})
    assert client.post(path, {**REQUEST, "email": "late@new.example"}).status_code == 429


def test_the_card_carries_the_link_as_a_qr_code_and_the_desk_books_the_request(
    client_for, front_desk, practice, referrer, client
):
    card = client_for(front_desk).get(f"/p/{practice.slug}/referral-card/client/{referrer.pk}/")
    assert card.status_code == 200 and b"<svg" in card.content and b"/r/" in card.content
    client.post(_path(client=referrer), REQUEST)
    requests = client_for(front_desk).get(f"/p/{practice.slug}/requests/")
    [newcomer] = requests.context["requests"]
    done = client_for(front_desk).post(f"/p/{practice.slug}/requests/{newcomer.pk}/done/")
    assert done.status_code == 302 and "/book/" in done["Location"]
    newcomer.refresh_from_db()
    assert newcomer.status == Client.Status.ACTIVE


def test_a_partners_card_is_for_the_owner_only(client_for, owner, therapist, front_desk, practice):
    """The card view lets everyone print clients' cards; the check inside it keeps partners' cards
    (which name the practice's referral relationships) to the owner. The sweep cannot see it."""
    with scope(practice=practice):
        partner = Partner.objects.create(practice=practice, organisation="Harbour Chiropractic", kind="chiropractor")
    url = f"/p/{practice.slug}/referral-card/partner/{partner.pk}/"
    assert client_for(therapist).get(url).status_code == 403
    assert client_for(front_desk).get(url).status_code == 403
    card = client_for(owner).get(url)
    assert card.status_code == 200 and b"<svg" in card.content and b"/r/" in card.content


def test_rewards_are_off_until_the_owner_confirms_the_rules(client_for, owner, practice):
    from referrals.models import ReferralProgram

    url = f"/p/{practice.slug}/partners/rewards/"
    page = client_for(owner).get(url)
    assert b"referral fee" in page.content and not page.context["program"].rewards_enabled
    refused = client_for(owner).post(url, {"rewards_enabled": "on", "reward_text": "20% off"})
    assert refused.status_code == 400
    client_for(owner).post(url, {"rewards_enabled": "on", "reward_text": "20% off", "checked_rules": "on"})
    with scopes_disabled():
        assert ReferralProgram.objects.get(practice=practice).rewards_enabled


def test_outgoing_referrals_name_the_client_only_with_agreement(client_for, owner, practice, referrer):
    from referrals.models import OutgoingReferral

    with scope(practice=practice):
        partner = Partner.objects.create(practice=practice, organisation="Quayside Physio", kind="physio")
    url = f"/p/{practice.slug}/partners/{partner.pk}/outgoing/"
    client_for(owner).post(url, {"note": "knee rehab", "client_email": referrer.email})
    client_for(owner).post(url, {"note": "shoulder", "client_email": referrer.email, "client_agreed": "on"})
    with scopes_disabled():
        logged = [(o.note, o.client) for o in OutgoingReferral.objects.order_by("id")]
    assert sorted(logged, key=lambda pair: pair[0]) == [("knee rehab", None), ("shoulder", referrer)]
