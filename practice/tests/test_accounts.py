"""Sign-up, sign-in, lock-out after repeated failures, idle expiry and password reset."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from practice.models import Membership, Practice, User
from practice.tests.factories import PASSWORD

LOGIN = "/login/"


def _sign_in(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def test_sign_up_creates_a_practice_with_its_owner_and_signs_in(client, db):
    response = client.post(
        "/signup/",
        {
            "practice_name": "Willow Lane Massage",
            "slug": "willow-lane",
            "time_zone": "Europe/Dublin",
            "first_name": "Ash",
            "last_name": "Lane",
            "email": "ash@willow.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/p/willow-lane/"
    practice = Practice.objects.get(slug="willow-lane")
    assert practice.time_zone == "Europe/Dublin"
    assert Membership.objects.get(practice=practice).role == Membership.Role.OWNER
    assert client.get("/p/willow-lane/").status_code == 200


def test_sign_up_answers_bad_input_field_by_field(client, practice):
    response = client.post(
        "/signup/",
        {
            "practice_name": "",
            "slug": practice.slug,
            "time_zone": "Mars/Olympus",
            "first_name": "A",
            "last_name": "B",
            "email": "nope",
            "password1": "short",
            "password2": "other",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"practice_name", "slug", "time_zone", "email", "password2"}
    assert "taken" in errors["slug"][0]
    assert b"aria-describedby" in response.content  # error text is tied to its field
    assert not User.objects.filter(first_name="A").exists()


def test_a_member_signs_in_and_lands_on_their_practice(client, therapist, practice):
    response = _sign_in(client, therapist.email, PASSWORD)
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == f"/p/{practice.slug}/"


def test_sign_in_ignores_the_case_of_the_email(client, therapist, practice):
    assert _sign_in(client, therapist.email.upper(), PASSWORD).status_code == 302
    assert client.get(f"/p/{practice.slug}/").status_code == 200


def test_changing_the_case_of_the_email_does_not_dodge_the_lock_out(client, therapist):
    for n in range(settings.AXES_FAILURE_LIMIT):
        email = therapist.email.upper() if n % 2 else therapist.email.title()
        _sign_in(client, email, "wrong password")
    assert _sign_in(client, therapist.email, PASSWORD).status_code == 429


def test_repeated_failures_lock_the_account_out_with_a_clear_message(client, therapist):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        failed = _sign_in(client, therapist.email, "wrong password")
        assert failed.status_code == 200 and b"do not match" in failed.content
    locked = _sign_in(client, therapist.email, "wrong password")
    assert locked.status_code == 429 and b"too many failed sign-in attempts" in locked.content
    # Even the right password is refused while the lock lasts...
    assert _sign_in(client, therapist.email, PASSWORD).status_code == 429
    # ...and works again once the cool-off has passed.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert _sign_in(client, therapist.email, PASSWORD).status_code == 302


def test_an_idle_session_expires(client, front_desk, practice):
    home = f"/p/{practice.slug}/"
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, front_desk.email, PASSWORD)
    with time_machine.travel(start + idle - timedelta(minutes=1), tick=False):
        assert client.get(home).status_code == 200  # activity pushes the expiry forward
    with time_machine.travel(start + 2 * idle - timedelta(minutes=2), tick=False):
        assert client.get(home).status_code == 200
    with time_machine.travel(start + 3 * idle, tick=False):
        response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_by_default_a_session_ends_after_thirty_quiet_minutes(client, front_desk, practice):
    home = f"/p/{practice.slug}/"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, front_desk.email, PASSWORD)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(home).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        signed_out = client.get(home)
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(LOGIN)


def test_password_reset_by_email(client, owner, mailoutbox):
    client.post(reverse("practice:password-reset"), {"email": owner.email})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    new_password = "a-brand-new-passphrase-42"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert _sign_in(client, owner.email, new_password).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db, mailoutbox):
    response = client.post(reverse("practice:password-reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302 and mailoutbox == []


@pytest.mark.django_db
def test_error_pages_are_styled(client):
    page = client.get("/p/nowhere/staff/")
    assert page.status_code == 302  # anonymous: sign in first
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and b"We could not find that page" in missing.content


def test_the_server_error_page_is_styled_and_needs_no_request_context(rf):
    from practice.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and b"Nothing you saved before this page was lost" in response.content
