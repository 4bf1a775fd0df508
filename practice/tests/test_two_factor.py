"""Two-factor sign-in over HTTP (the browser journeys are in test_browser_two_factor.py): enrolling an
authenticator app, signing in with it or a recovery code, the lock-out counting wrong codes, the
practice's requirement, and removing a second factor."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from practice.models import AuditEvent, Membership, RecoveryCode, RecoveryCodes
from practice.tests.factories import PASSWORD
from practice.two_factor import authenticator_confirm, authenticator_start

Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def _audit_readable():
    """The tests read the audit log of whichever practice (the views set their own scope)."""
    with scopes_disabled():
        yield


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows now for this base32 secret (as the person types it)."""
    totp = TOTP(b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)))
    totp.time += 30 * steps_ahead
    return f"{totp.token():06d}"


def enrolled(user) -> tuple[str, list[str]]:
    """Give `user` a confirmed authenticator through the services; returns its secret and codes."""
    device = authenticator_start(user=user)
    secret = b32decode_key(device)
    codes = authenticator_confirm(device=device, code=code_for(secret))
    return secret, codes


def b32decode_key(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


def password_step(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("practice:login"), data)


def test_enrolling_shows_the_secret_once_and_confirms_with_a_code_from_it(client_for, therapist, practice):
    browser = client_for(therapist)
    url = reverse("practice:two-factor-add")
    assert "Show my QR code" in browser.get(url).content.decode()

    shown = browser.post(url, {"start": "1"}).content.decode()
    assert "<svg" in shown  # the QR code, drawn inline
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", shown).group(1)

    wrong = browser.post(url, {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=therapist, confirmed=True).exists()

    confirmed = browser.post(url, {"code": code_for(secret)})
    page = confirmed.content.decode()
    codes = re.findall(r"\b[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b", page)
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=therapist).confirmed
    stored = set(RecoveryCode.objects.filter(device__user=therapist).values_list("code_hash", flat=True))
    assert not stored & set(codes)  # only hashes are kept
    assert AuditEvent.objects.filter(practice=practice, actor=therapist, action=Action.TWO_FACTOR_ADDED).exists()

    # Confirmed: the same secret cannot be shown or confirmed again.
    again = browser.post(url, {"code": code_for(secret)}, follow=True)
    assert "replaced or finished" in again.content.decode()
    assert secret not in browser.get(reverse("practice:account")).content.decode()


def test_signing_in_asks_for_the_code_and_no_page_is_reached_on_the_password_alone(client, therapist, practice):
    secret, _ = enrolled(therapist)
    home = f"/p/{practice.slug}/"

    response = password_step(client, therapist, next_url=home)
    assert response.status_code == 302 and response["Location"] == reverse("practice:login-code")
    assert client.get(home).status_code == 302  # not signed in yet: sent to sign in

    # The code confirmed at enrolment cannot be used again (django-otp); the app's next one works.
    signed_in = client.post(reverse("practice:login-code"), {"code": code_for(secret, steps_ahead=1)})
    assert signed_in.status_code == 302 and signed_in["Location"] == home
    assert client.get(home).status_code == 200
    event = AuditEvent.objects.filter(practice=practice, action=Action.SIGN_IN).get()
    assert event.actor == therapist and "second factor" in event.detail and event.ip_address == "127.0.0.1"


def test_a_recovery_code_signs_in_once(client, therapist, practice):
    _, codes = enrolled(therapist)
    password_step(client, therapist)
    typed = codes[0].lower().replace("-", " ")  # read however it is typed
    assert client.post(reverse("practice:login-code"), {"code": typed}).status_code == 302
    assert RecoveryCode.objects.filter(device__user=therapist, used_at__isnull=False).count() == 1
    assert "1 left" not in client.get(reverse("practice:account")).content.decode()

    again = Client()
    password_step(again, therapist)
    assert again.post(reverse("practice:login-code"), {"code": codes[1]}).status_code == 302

    third = Client()
    password_step(third, therapist)
    refused = third.post(reverse("practice:login-code"), {"code": codes[0]})
    assert refused.status_code == 400 and "not right" in refused.content.decode()


def test_wrong_codes_count_towards_the_lock_out_as_wrong_passwords_do(client, therapist, practice, settings):
    secret, _ = enrolled(therapist)
    password_step(client, therapist)
    wrong = "123456" if code_for(secret) != "123456" else "654321"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("practice:login-code"), {"code": wrong}).status_code == 400
    locked = client.post(reverse("practice:login-code"), {"code": wrong})
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    # Locked: even the right code is refused now, and so is the right password.
    assert client.post(reverse("practice:login-code"), {"code": code_for(secret)}).status_code == 429
    assert password_step(Client(), therapist).status_code == 429

    events = AuditEvent.objects.filter(practice=practice, actor=therapist)
    failures = events.filter(action=Action.SIGN_IN_FAILED).order_by("at")
    assert [event.detail for event in failures] == ["wrong second-factor code"] * settings.AXES_FAILURE_LIMIT + [
        "tried while locked out"  # the right password, refused by the lock-out
    ]
    assert events.filter(action=Action.LOCKED_OUT).count() == 1
    assert not events.filter(action=Action.SIGN_IN).exists()


def test_a_code_step_left_too_long_starts_again(client, therapist, settings):
    enrolled(therapist)
    password_step(client, therapist)
    session = client.session
    session["_signin_pending"]["at"] -= 301
    session.save()
    response = client.get(reverse("practice:login-code"))
    assert response.status_code == 302 and response["Location"] == reverse("practice:login")


def test_a_practice_that_requires_two_factor_sends_members_without_it_to_enrolment(client, therapist, practice):
    practice.require_two_factor = True
    practice.save()
    home = f"/p/{practice.slug}/"

    response = password_step(client, therapist, next_url=home)
    enrol = f"{reverse('practice:two-factor-add')}?next=%2Fp%2F{practice.slug}%2F"
    assert response["Location"] == enrol
    # Every practice page sends them back; their account page and signing out stay open.
    for page in (home, f"/p/{practice.slug}/clients/", f"/p/{practice.slug}/calendar/"):
        assert client.get(page)["Location"].startswith(reverse("practice:two-factor-add"))
    assert client.get(reverse("practice:account")).status_code == 200
    assert "requires two-factor" in client.get(reverse("practice:two-factor-add")).content.decode()

    shown = client.post(reverse("practice:two-factor-add"), {"start": "1", "next": home}).content.decode()
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", shown).group(1)
    codes_page = client.post(reverse("practice:two-factor-add"), {"code": code_for(secret), "next": home})
    assert f'href="{home}"' in codes_page.content.decode()  # "I have saved them" goes on to the practice
    assert client.get(home).status_code == 200  # this session proved the factor by enrolling


def test_the_last_authenticator_stays_while_the_practice_requires_one(client_for, therapist, practice):
    enrolled(therapist)
    device = TOTPDevice.objects.get(user=therapist)
    practice.require_two_factor = True
    practice.save()
    browser = client_for(therapist)
    response = browser.post(reverse("practice:two-factor-remove", args=[device.pk]), follow=True)
    assert "add another authenticator app before removing" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    practice.require_two_factor = False
    practice.save()
    browser.post(reverse("practice:two-factor-remove", args=[device.pk]))
    assert not TOTPDevice.objects.filter(user=therapist).exists()
    assert not RecoveryCodes.objects.filter(user=therapist).exists()  # the spare keys go with the lock
    assert AuditEvent.objects.filter(practice=practice, action=Action.TWO_FACTOR_REMOVED).count() == 1


def test_someone_else_cannot_remove_your_authenticator(client_for, therapist, owner):
    enrolled(therapist)
    device = TOTPDevice.objects.get(user=therapist)
    response = client_for(owner).post(reverse("practice:two-factor-remove", args=[device.pk]), follow=True)
    assert "not on your account" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("field", ["require_two_factor", "therapist_note_access"])
def test_the_owner_changes_the_security_settings_and_the_change_is_audited(client_for, owner, practice, field):
    form = {
        "name": practice.name,
        "time_zone": practice.time_zone,
        "country": "US",
        "reminder_hours_before": 24,
        "therapist_note_access": "own" if field == "therapist_note_access" else "all",
    }
    if field == "require_two_factor":
        form["require_two_factor"] = "on"
    response = client_for(owner).post(f"/p/{practice.slug}/settings/", form)
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.require_two_factor is (field == "require_two_factor")
    assert practice.therapist_note_access == ("own" if field == "therapist_note_access" else "all")
    change = AuditEvent.objects.filter(practice=practice, action=Action.CHANGE, record_type="practice.practice")
    assert change.count() == 1


def test_an_owner_resets_the_two_factor_of_a_member_who_lost_phone_and_codes(client_for, owner, therapist, practice):
    enrolled(therapist)
    membership = Membership.objects.get(user=therapist, practice=practice)
    as_owner = client_for(owner)
    staff = as_owner.get(f"/p/{practice.slug}/staff/").content.decode()
    assert "Two-factor on" in staff and "Reset two-factor" in staff

    reset = as_owner.post(f"/p/{practice.slug}/staff/{membership.pk}/two-factor/reset/", follow=True)
    assert "was reset" in reset.content.decode()
    assert not TOTPDevice.objects.filter(user=therapist).exists()
    assert not RecoveryCodes.objects.filter(user=therapist).exists()
    event = AuditEvent.objects.get(practice=practice, action=Action.TWO_FACTOR_REMOVED)
    assert event.actor == therapist and event.detail == f"reset by {owner} (owner)"
    assert password_step(Client(), therapist)["Location"] == "/"  # the password alone signs in again


def test_a_member_of_another_practice_too_is_not_reset_from_here(
    client_for, owner, therapist, practice, other_practice
):
    enrolled(therapist)
    Membership.objects.create(practice=other_practice, user=therapist, role=Membership.Role.THERAPIST)
    membership = Membership.objects.get(user=therapist, practice=practice)
    refused = client_for(owner).post(f"/p/{practice.slug}/staff/{membership.pk}/two-factor/reset/", follow=True)
    assert "also works in another practice" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=therapist, confirmed=True).exists()


def test_only_an_owner_resets_two_factor(client_for, front_desk, therapist, practice):
    enrolled(therapist)
    membership = Membership.objects.get(user=therapist, practice=practice)
    response = client_for(front_desk).post(f"/p/{practice.slug}/staff/{membership.pk}/two-factor/reset/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=therapist).exists()
