"""The sessions a person is signed in with, the sign-in audit and the new-browser email: ending a
session signs that browser out on its next request, as do a password change (for the others),
a reset by email (for all) and removal from a practice."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_scopes import scopes_disabled

from outbox.models import OutboxMessage
from practice.models import AuditEvent, Membership, SignInSession
from practice.tasks import clear_expired_sessions
from practice.tests.factories import PASSWORD, UserFactory

Action = AuditEvent.Action
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"


@pytest.fixture(autouse=True)
def _any_practice():
    with scopes_disabled():
        yield


def signed_in(user, agent=CHROME, address="203.0.113.7") -> Client:
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = browser.post(reverse("practice:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def is_signed_in(browser, practice) -> bool:
    response = browser.get(f"/p/{practice.slug}/")
    return response.status_code == 200


def test_the_account_page_lists_each_browser_and_ending_one_signs_it_out(therapist, practice):
    laptop = signed_in(therapist)
    phone = signed_in(therapist, agent=SAFARI, address="198.51.100.4")

    page = laptop.get(reverse("practice:account")).content.decode()
    assert "Chrome on Windows" in page and "This browser" in page
    assert "Safari on iPhone" in page and "198.51.100.4" in page

    phone_session = SignInSession.objects.get(user=therapist, ip_address="198.51.100.4")
    laptop.post(reverse("practice:session-end", args=[phone_session.pk]))
    assert not is_signed_in(phone, practice)
    assert is_signed_in(laptop, practice)
    ended = AuditEvent.objects.get(practice=practice, action=Action.SESSION_ENDED)
    assert "Safari on iPhone from 198.51.100.4" in ended.detail


def test_nobody_ends_someone_elses_session(therapist, owner, practice):
    theirs = signed_in(therapist)
    session = SignInSession.objects.get(user=therapist)
    signed_in(owner).post(reverse("practice:session-end", args=[session.pk]))
    assert is_signed_in(theirs, practice)


def test_a_password_change_keeps_this_browser_and_signs_out_the_others(therapist, practice):
    here, elsewhere = signed_in(therapist), signed_in(therapist, agent=SAFARI)
    new = "a-new-and-long-password-42"
    response = here.post(
        reverse("practice:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert is_signed_in(here, practice)
    assert not is_signed_in(elsewhere, practice)
    assert SignInSession.objects.filter(user=therapist).count() == 1
    change = AuditEvent.objects.get(practice=practice, action=Action.PASSWORD_CHANGED)
    assert change.detail == "1 other session ended"


def test_a_wrong_current_password_changes_nothing(therapist, practice):
    here = signed_in(therapist)
    response = here.post(
        reverse("practice:password-change"),
        {"old_password": "not-it", "new_password1": "another-long-one-77", "new_password2": "another-long-one-77"},
    )
    assert response.status_code == 400 and "incorrectly" in response.content.decode()
    therapist.refresh_from_db()
    assert therapist.check_password(PASSWORD)


def test_a_reset_by_email_ends_every_session(therapist, practice):
    browser = signed_in(therapist)
    therapist.refresh_from_db()  # the token covers the last sign-in's time
    link = reverse(
        "practice:password-reset-confirm",
        args=[urlsafe_base64_encode(force_bytes(therapist.pk)), default_token_generator.make_token(therapist)],
    )
    stranger = Client()
    form_url = stranger.get(link)["Location"]  # Django swaps the token for a session-held one
    new = "reset-and-long-password-8"
    assert stranger.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert not is_signed_in(browser, practice)
    assert "reset by email link, 1 sessions ended" in AuditEvent.objects.get(action=Action.PASSWORD_CHANGED).detail


def test_a_removed_member_is_signed_out_on_their_next_request(client_for, owner, therapist, practice):
    theirs = client_for(therapist)  # signed in, mid-session
    assert is_signed_in(theirs, practice)
    membership = Membership.objects.get(user=therapist, practice=practice)
    client_for(owner).post(reverse("practice:staff-remove", args=[practice.slug, membership.pk]))

    response = theirs.get(reverse("practice:account"))  # not only this practice: every page
    assert response.status_code == 302 and response["Location"].startswith(reverse("practice:login"))
    assert not SignInSession.objects.filter(user=therapist).exists()
    removal = AuditEvent.objects.get(practice=practice, action=Action.DELETE, record_label=str(therapist))
    assert removal.detail == "removed from the practice; 1 session ended"


def test_sign_ins_failures_and_sign_outs_go_to_each_practice_of_the_person(therapist, practice, other_practice):
    Membership.objects.create(practice=other_practice, user=therapist, role=Membership.Role.FRONT_DESK)
    Client(REMOTE_ADDR="192.0.2.9").post(reverse("practice:login"), {"username": therapist.email, "password": "no"})
    browser = signed_in(therapist, address="192.0.2.9")
    browser.post(reverse("practice:logout"))

    for where in (practice, other_practice):
        events = AuditEvent.objects.filter(practice=where, actor=therapist).order_by("at")
        assert [(e.action, e.ip_address) for e in events] == [
            (Action.SIGN_IN_FAILED, "192.0.2.9"),
            (Action.SIGN_IN, "192.0.2.9"),
            (Action.SIGN_OUT, "192.0.2.9"),
        ]
    assert AuditEvent.objects.filter(action=Action.SIGN_IN, detail="with a password, Chrome on Windows").count() == 2
    assert not SignInSession.objects.filter(user=therapist).exists()


def test_a_failed_sign_in_for_an_unknown_address_is_logged_nowhere(client, practice):
    client.post(reverse("practice:login"), {"username": "nobody@example.com", "password": "whatever"})
    assert not AuditEvent.objects.exists()


def test_a_sign_in_from_a_new_browser_emails_the_person(therapist, practice):
    first = signed_in(therapist)  # the account's first browser: nothing to compare it with
    assert not OutboxMessage.objects.filter(kind="new_browser_sign_in").exists()

    signed_in(therapist, agent=SAFARI, address="198.51.100.4")  # no cookie: a new browser
    alert = OutboxMessage.objects.get(kind="new_browser_sign_in")
    assert alert.address == therapist.email and alert.practice_id == practice.pk
    assert alert.context["browser"] == "Safari on iPhone" and alert.context["ip_address"] == "198.51.100.4"

    first.post(reverse("practice:logout"))
    again = first.post(reverse("practice:login"), {"username": therapist.email, "password": PASSWORD})
    assert again.status_code == 302  # the first browser kept its cookie: known, no new email
    assert OutboxMessage.objects.filter(kind="new_browser_sign_in").count() == 1


def test_the_hourly_cleanup_forgets_sessions_that_expired(therapist):
    signed_in(therapist)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(minutes=1))
    clear_expired_sessions()
    assert not SignInSession.objects.exists()


def test_someone_in_no_practice_signs_in_without_an_audit_row(db):
    loner = UserFactory(email="loner@example.com")
    assert signed_in(loner).get(reverse("practice:account")).status_code == 200
    assert not AuditEvent.objects.exists()
