"""Two-factor sign-in in a real browser: a therapist whose practice requires it is sent to enrol
at sign-in, scans (here: reads) the secret, confirms with the code an authenticator app would show
(computed from that secret), saves the recovery codes, and signs in later with the app's code and
then with a recovery code. (Ending a session from the account page is tested over HTTP, in
test_account_sessions.py.)"""

import re

import pytest
from django_scopes import scopes_disabled

from practice.models import AuditEvent
from practice.tests.factories import PASSWORD
from practice.tests.test_two_factor import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, base, email):
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page, main_menu):
    main_menu(page).get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to Rebook").wait_for()


def test_a_required_second_factor_is_enrolled_then_used_with_the_app_and_a_recovery_code(
    live_server, browser_page, main_menu, therapist, practice
):
    practice.require_two_factor = True
    practice.save()
    page, base = browser_page, live_server.url

    # Signing in sends them to enrolment: the practice's pages wait until it is done.
    password_step(page, base, therapist.email)
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    assert page.get_by_role("status").filter(has_text="requires two-factor").is_visible()
    page.goto(f"{base}/p/{practice.slug}/clients/")
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()

    page.get_by_role("button", name="Show my QR code").click()
    page.get_by_role("heading", name="Scan the QR code").wait_for()
    assert page.locator(".qr-code svg").is_visible()
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("Six-digit code from the app").fill("000000" if code_for(secret) != "000000" else "111111")
    page.get_by_role("button", name="Confirm and turn on").click()
    page.get_by_text("That code does not match").wait_for()
    page.get_by_label("Six-digit code from the app").fill(code_for(secret))
    page.get_by_role("button", name="Confirm and turn on").click()

    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    codes = re.findall(
        r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", page.get_by_label("Recovery codes").inner_text()
    )
    assert len(set(codes)) == 10
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url(f"{base}/p/{practice.slug}/clients/")  # on to the page first asked for
    sign_out(page, main_menu)

    # With the app: the next code it shows (the one confirmed at enrolment works only once).
    password_step(page, base, therapist.email)
    page.get_by_role("heading", name="Your sign-in code").wait_for()
    page.get_by_label("Code").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/p/{practice.slug}/")
    sign_out(page, main_menu)

    # With a recovery code, when the phone is not to hand.
    password_step(page, base, therapist.email)
    page.get_by_text("No phone to hand?").click()
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/p/{practice.slug}/")
    assert page.get_by_role("status").filter(has_text="recovery code; 9 left").is_visible()

    nav = main_menu(page)
    nav.get_by_role("button", name=practice.name).click()  # the practice's menu holds the account
    nav.get_by_role("link", name="Your account and sign-in").click()
    assert page.get_by_text("Recovery codes left: 9 of 10").is_visible()
    assert page.get_by_text("This browser").is_visible()

    with scopes_disabled():
        events = AuditEvent.objects.filter(practice=practice, actor=therapist).order_by("at")
        actions = list(events.values_list("action", flat=True))
    assert actions == ["sign_in", "two_factor_added", "sign_out", "sign_in", "sign_out", "sign_in"]
