"""Client records: validation, duplicates, search and its query count, archive, another practice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from clients.tests.factories import ClientFactory
from practice.models import AuditEvent


@pytest.fixture
def clients_url(practice):
    return f"/p/{practice.slug}/clients/"


def _client(practice, **fields):
    with scope(practice=practice):
        return ClientFactory(practice=practice, **fields)


def test_the_front_desk_adds_a_client(client_for, front_desk, practice, clients_url):
    response = client_for(front_desk).post(
        f"{clients_url}new/",
        {
            "first_name": "Morgan",
            "last_name": "Juniper",
            "email": "morgan@clients.example",
            "phone": "(603) 555-0199",
            "date_of_birth": "1985-04-02",
            "first_massage": "true",
            "heard_via": "web",
            "alerts": "Latex allergy",
        },
    )
    with scopes_disabled():
        added = Client.objects.get(last_name="Juniper")
    assert response.status_code == 302 and response["Location"] == f"{clients_url}{added.pk}/"
    assert added.first_massage is True and added.alerts == "Latex allergy" and str(added.date_of_birth) == "1985-04-02"
    page = client_for(front_desk).get(f"{clients_url}{added.pk}/")
    assert b"client-alert" in page.content and b"Latex allergy" in page.content


def test_bad_input_is_explained_field_by_field_and_nothing_typed_is_lost(client_for, owner, clients_url):
    response = client_for(owner).post(
        f"{clients_url}new/",
        {
            "first_name": "Noor",
            "last_name": "",
            "email": "noor@",
            "phone": "call me",
            "date_of_birth": "2999-01-01",
            "heard_via": "other",
            "occupation": "Carpenter",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"last_name", "email", "phone", "date_of_birth", "heard_via_detail"}
    assert "future" in errors["date_of_birth"][0] and "Enter a phone number" in errors["phone"][0]
    assert b'value="Noor"' in response.content and b'value="Carpenter"' in response.content
    impossible = client_for(owner).post(
        f"{clients_url}new/", {"first_name": "A", "last_name": "B", "date_of_birth": "1990-13-45"}
    )
    assert "date_of_birth" in impossible.context["form"].errors
    with scopes_disabled():
        assert not Client.objects.exists()


def test_a_duplicate_email_or_phone_asks_before_creating(client_for, owner, practice, clients_url):
    existing = _client(
        practice, first_name="Sage", last_name="Hollis", email="sage@clients.example", phone="+1 603 555 0142"
    )
    as_owner = client_for(owner)
    for typed in ({"email": "SAGE@clients.example"}, {"phone": "603-555-0142"}):
        asked = as_owner.post(f"{clients_url}new/", {"first_name": "Sage", "last_name": "Hollis-Ray", **typed})
        assert asked.status_code == 200 and asked.context["duplicates"] == [existing]
        assert b"may be someone you already have" in asked.content and b'value="Hollis-Ray"' in asked.content
    confirmed = as_owner.post(
        f"{clients_url}new/",
        {"first_name": "Sage", "last_name": "Hollis-Ray", "email": "sage@clients.example", "confirm_duplicate": "true"},
    )
    assert confirmed.status_code == 302
    with scopes_disabled():
        assert Client.objects.filter(first_name="Sage").count() == 2


def test_search_by_name_email_or_phone_digits(client_for, therapist, practice, clients_url):
    _client(practice, first_name="Avery", last_name="Castellan", email="a.c@clients.example", phone="+1 (603) 555-0101")
    _client(practice, first_name="Blair", last_name="Dunmore", preferred_name="Bee", email="bd@clients.example")
    as_therapist = client_for(therapist)

    def found(q):
        return [c.first_name for c in as_therapist.get(clients_url, {"q": q}).context["page"]]

    assert found("cast") == ["Avery"]
    assert found("BEE") == ["Blair"]
    assert found("bd@clients") == ["Blair"]
    assert found("6035550101") == ["Avery"]
    assert found("avery 0101") == ["Avery"]
    assert found("nobody") == []


def test_search_looks_in_each_field_as_itself(client_for, therapist, practice, clients_url):
    """The search reads one search text (names, email, the phone's digits) but matches as the
    fields would one by one: digits of a word with separators only in the phone, a word of one or
    two characters only in names and email, never across two fields, wildcards taken literally."""
    _client(practice, first_name="Dana", last_name="Okafor", email="dana.5550101@mail.example", phone="+16035550199")
    _client(practice, first_name="Eli", last_name="van Marsh", email="eli@mail.example", phone="+16035550101")
    _client(practice, first_name="Fern", last_name="Quist", preferred_name="Fee", email="", phone="")
    as_therapist = client_for(therapist)

    def found(q):
        return sorted(c.first_name for c in as_therapist.get(clients_url, {"q": q}).context["page"])

    assert found("555-0101") == ["Eli"]  # the digits in the phone, not in Dana's email
    assert found("5550101") == ["Dana", "Eli"]  # as typed in the email, or digits in the phone
    assert found("+1603") == ["Dana", "Eli"]
    assert found("01") == ["Dana"]  # two digits: names and email only, as before
    assert found("e") == ["Dana", "Eli", "Fern"]
    assert found("FEE") == found("quist") == found("fe") == ["Fern"]
    assert found("marsh 0101") == found("VAN") == found("eli@mail.example") == ["Eli"]
    assert found("example") == ["Dana", "Eli"]  # the end of the email, the last field before the phone
    assert found("dana okafor") == found("dana.55") == ["Dana"]
    assert found("danaokafor") == found("marsheli") == found("ok_for") == found("o%r") == []


def test_segments(client_for, owner, practice, clients_url):
    now = timezone.now()
    _client(practice, first_name="Fresh")
    old = _client(practice, first_name="Old")
    lapsed = _client(practice, first_name="Lapsed")
    _client(practice, first_name="Gone", status=Client.Status.ARCHIVED)
    with scopes_disabled():
        Client.objects.filter(pk__in=[old.pk, lapsed.pk]).update(created_at=now - timedelta(days=400))
        Client.objects.filter(pk=lapsed.pk).update(last_visit_at=now - timedelta(days=120))
        Client.objects.filter(pk=old.pk).update(last_visit_at=now - timedelta(days=10))
    as_owner = client_for(owner)

    def segment(name):
        return sorted(c.first_name for c in as_owner.get(clients_url, {"segment": name}).context["page"])

    assert segment("active") == ["Fresh", "Lapsed", "Old"]
    assert segment("new") == ["Fresh"]
    assert segment("lapsed") == ["Lapsed"]
    assert segment("archived") == ["Gone"]
    assert segment("bogus") == ["Fresh", "Lapsed", "Old"]  # an unknown filter falls back to active


def test_the_list_costs_the_same_few_queries_for_many_clients(client_for, owner, practice, clients_url):
    as_owner = client_for(owner)

    def queries_for(**params):
        with CaptureQueriesContext(connection) as captured:
            response = as_owner.get(clients_url, params)
        assert response.status_code == 200
        return len(captured)

    with scope(practice=practice):
        ClientFactory.create_batch(10, practice=practice, alerts="Bruises easily")
    few = queries_for(q="client"), queries_for(q="555", segment="all")
    with scope(practice=practice):
        ClientFactory.create_batch(110, practice=practice, alerts="Bruises easily")
    many = queries_for(q="client", page=2), queries_for(q="555", segment="all")
    assert few == many
    # session, user, membership, practices to switch to, count, page, and the session's save (3)
    assert max(many) <= 9


def test_an_edit_is_audited_with_the_fields_that_changed(client_for, owner, practice, clients_url):
    target = _client(practice, first_name="Ellis", last_name="Ivers")
    response = client_for(owner).post(
        f"{clients_url}{target.pk}/edit/",
        {
            "first_name": "Ellis",
            "last_name": "Ivers",
            "email": target.email,
            "phone": target.phone,
            "alerts": "Recent shoulder surgery",
            "occupation": "Nurse",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        event = AuditEvent.objects.get(record_id=str(target.pk), action="change")
    assert "occupation" in event.detail and "alerts" in event.detail and "first name" not in event.detail


def test_archive_and_back(client_for, front_desk, practice, clients_url):
    target = _client(practice)
    as_desk = client_for(front_desk)
    as_desk.post(f"{clients_url}{target.pk}/archive/")
    target.refresh_from_db()
    assert target.status == Client.Status.ARCHIVED
    as_desk.post(f"{clients_url}{target.pk}/archive/")
    target.refresh_from_db()
    assert target.status == Client.Status.ACTIVE


def test_another_practices_client_is_not_found(client_for, owner, practice, other_practice, clients_url):
    theirs = _client(other_practice, first_name="Elsewhere")
    as_owner = client_for(owner)
    assert as_owner.get(f"{clients_url}{theirs.pk}/").status_code == 404
    assert as_owner.get(f"{clients_url}{theirs.pk}/brief/").status_code == 404
    assert b"Elsewhere" not in as_owner.get(clients_url, {"segment": "all"}).content
