"""Phone numbers are read in the practice's country, stored in E.164 and shown in the practice's
national format; what cannot be read is refused next to its field and never lost."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django_scopes import scope, scopes_disabled

from clients.models import Client
from clients.tests.factories import ClientFactory
from practice.models import Practice
from practice.phones import phone_display, stored_in_e164, to_e164


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("603-555-0142", "US", "+16035550142"),
        ("(603) 555 0142", "US", "+16035550142"),
        ("+1 603 555 0142", "GB", "+16035550142"),
        ("01904 555018", "GB", "+441904555018"),
        ("+44 1904 555018", "US", "+441904555018"),
        ("", "US", ""),
    ],
)
def test_numbers_are_read_in_the_practice_country_and_stored_in_e164(typed, region, stored):
    assert to_e164(typed, region=region) == stored


@pytest.mark.parametrize("typed", ["call me", "12345", "555", "+999 1234 5678"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError, match="Enter a phone number"):
        to_e164(typed, region="US")


def test_numbers_are_shown_national_at_home_and_international_abroad():
    assert phone_display("+16035550142", "US") == "(603) 555-0142"
    assert phone_display("+441904555018", "US") == "+44 1904 555018"
    assert phone_display("+441904555018", "GB") == "01904 555018"
    assert phone_display("kept as typed", "US") == "kept as typed"
    rendered = Template("{{ number|phone:practice }}").render(
        Context({"number": "+16035550142", "practice": Practice(country="US")})
    )
    assert rendered == "(603) 555-0142"


def test_the_client_form_stores_e164_and_a_british_practice_reads_british_numbers(client_for, owner, practice):
    practice.country = "GB"
    practice.save(update_fields=["country"])
    created = client_for(owner).post(
        f"/p/{practice.slug}/clients/new/", {"first_name": "Ash", "last_name": "Marlow", "phone": "01904 555019"}
    )
    assert created.status_code == 302
    with scopes_disabled():
        client = Client.objects.get(first_name="Ash")
    assert client.phone == "+441904555019"
    page = client_for(owner).get(f"/p/{practice.slug}/clients/{client.pk}/")
    assert "01904 555019" in page.content.decode()


def test_the_migration_rewrites_typed_numbers_and_keeps_what_it_cannot_read(practice):
    with scope(practice=practice):
        readable = ClientFactory(practice=practice, phone="(603) 555-0150", emergency_contact_phone="603 555 0151")
        unreadable = ClientFactory(practice=practice, phone="ask at the desk")
    stored_in_e164(Client, ("phone", "emergency_contact_phone"), "practice__country")
    with scopes_disabled():
        readable.refresh_from_db()
        unreadable.refresh_from_db()
    assert (readable.phone, readable.emergency_contact_phone) == ("+16035550150", "+16035550151")
    assert unreadable.phone == "ask at the desk"


def test_an_edit_form_shows_the_number_as_people_write_it_and_saves_it_unchanged(client_for, owner, practice):
    with scope(practice=practice):
        client = ClientFactory(practice=practice, phone="+16035550160")
    url = f"/p/{practice.slug}/clients/{client.pk}/edit/"
    page = client_for(owner).get(url)
    assert page.context["form"]["phone"].value() == "(603) 555-0160"
    settings_page = client_for(owner).get(f"/p/{practice.slug}/settings/")
    assert settings_page.status_code == 200
