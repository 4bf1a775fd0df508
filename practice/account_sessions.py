"""A person's signed-in sessions (the sessions page) and the browsers they have signed in from.

Each sign-in records a SignInSession beside Django's session (same key); the sliding-expiry
middleware refreshes its "last seen" when it saves the session (at most once a minute). Ending a
session deletes Django's session through the configured engine (so a cached session goes too):
its next request is signed out. A sign-in from a browser without the known-browser cookie emails
the person through the outbox (`new_browser_signed_in`, sent here, turned into mail by outbox):
the sign-in pages ask, so a session opened any other way (sign-up, a test's force_login) is not
"a new browser"."""

import hashlib
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from practice.models import AuditEvent, KnownBrowser, Membership, SignInSession, User
from practice.net import client_ip
from practice.signals import new_browser_signed_in
from practice.signin_audit import audit_account, browser_label, browser_named

BROWSER_COOKIE = "rebook_browser"
BROWSER_COOKIE_AGE = 60 * 60 * 24 * 400  # as long as browsers keep a cookie (400 days)


def session_store(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


# --- Reads ------------------------------------------------------------------------------------


def active_sessions(*, user: User):
    """The person's sessions that can still be used (Django's session exists and has not expired),
    most recently seen first."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return SignInSession.objects.filter(user=user, session_key__in=live)


# --- Writes -----------------------------------------------------------------------------------


def session_signed_in(*, request, user: User) -> SignInSession:
    """Record the session `request` has just signed in with (user_logged_in)."""
    return SignInSession.objects.create(
        user=user,
        session_key=request.session.session_key,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        second_factor=getattr(user, "otp_device", None) is not None,
    )


def session_seen(*, session_key: str) -> None:
    SignInSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now())


def session_second_factor(*, session_key: str) -> None:
    """The session has now proved a second factor (enrolled one while signed in)."""
    SignInSession.objects.filter(session_key=session_key).update(second_factor=True)


def session_rekeyed(*, old_key: str, new_key: str) -> None:
    """The session kept its sign-in under a new key (Django cycles the key on a password change)."""
    SignInSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_signed_out(*, session_key: str | None) -> None:
    if session_key:
        SignInSession.objects.filter(session_key=session_key).delete()


def session_end(*, user: User, session_id, ip_address=None) -> SignInSession | None:
    """End one of the person's sessions (from their sessions page); None if it had ended already."""
    ended = SignInSession.objects.filter(user=user, pk=session_id).first()
    if ended is None:
        return None
    _end([ended])
    audit_account(user=user, action=AuditEvent.Action.SESSION_ENDED, detail=_described(ended), ip_address=ip_address)
    return ended


def sessions_end_all(*, user: User, keep_session_key: str | None = None, reason: str = "", ip_address=None) -> int:
    """End every session of the person but `keep_session_key` (a password change keeps the one it
    was made in; removal from a practice keeps none). Returns how many were ended."""
    doomed = list(SignInSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""))
    # A session opened before sign-ins were recorded has none: Django's check of the password hash
    # still ends it after a password change, and the idle timeout ends it at most 30 minutes later.
    _end(doomed)
    if reason:
        audit_account(
            user=user,
            action=AuditEvent.Action.SESSION_ENDED,
            detail=f"{len(doomed)} ended: {reason}",
            ip_address=ip_address,
        )
    return len(doomed)


def sessions_clear_stale() -> int:
    """Forget sign-in records whose Django session has gone (expired and cleared, or never saved)."""
    live = Session.objects.values("session_key")
    deleted, _ = SignInSession.objects.exclude(session_key__in=live).delete()
    return deleted


def _end(sessions: list[SignInSession]) -> None:
    for signed_in in sessions:
        session_store(signed_in.session_key).delete()
    SignInSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()


def _described(signed_in: SignInSession) -> str:
    return f"{browser_named(signed_in.user_agent)} from {signed_in.ip_address or 'an unknown address'}"


# --- Known browsers -------------------------------------------------------------------------


def browser_recognise(*, request, user: User) -> str | None:
    """Called by the sign-in pages once a person is in: is this a browser they have signed in from
    before? If not, remember it (returns the new cookie value for the response to set) and, when
    they had signed in elsewhere before, tell them (new_browser_signed_in: the outbox queues the
    email). A new account's first browser, or one from before browsers were remembered, is simply
    remembered."""
    token = request.COOKIES.get(BROWSER_COOKIE, "")
    known = KnownBrowser.objects.filter(user=user)
    if token and known.filter(token_hash=_hash(token)).exists():
        return None
    had_any = known.exists()
    browser, token = browser_remember(user=user, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    if had_any:
        practice = _home_practice(user)
        if practice is not None:
            details = {
                "when": timezone.now(),
                "browser": browser_label(request),
                "ip_address": client_ip(request) or "an unknown address",
            }
            new_browser_signed_in.send(
                sender=KnownBrowser, user=user, practice=practice, known_browser=browser, **details
            )
    return token


def browser_remember(*, user: User, user_agent: str = "") -> tuple[KnownBrowser, str]:
    """Remember a new browser of the person's; returns it and the cookie value that names it."""
    token = secrets.token_urlsafe(24)
    return KnownBrowser.objects.create(user=user, token_hash=_hash(token), user_agent=user_agent[:300]), token


def set_browser_cookie(response, token: str | None):
    """Give the browser the cookie that marks it as known (when browser_recognise made one)."""
    if token:
        response.set_cookie(
            BROWSER_COOKIE,
            token,
            max_age=BROWSER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _home_practice(user: User):
    """The practice whose outbox carries mail about the person's account: the first by name."""
    membership = Membership.objects.filter(user=user).select_related("practice").order_by("practice__name").first()
    return membership.practice if membership else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def forget_old_browsers() -> int:
    """Forget browsers whose cookie has expired (400 days): they can name nobody any more."""
    cutoff = timezone.now() - timedelta(seconds=BROWSER_COOKIE_AGE)
    deleted, _ = KnownBrowser.objects.filter(first_seen_at__lt=cutoff).delete()
    return deleted


# --- Receivers (connected in PracticeConfig.ready) ------------------------------------------


def on_signed_in(sender, request, user, **kwargs):
    """user_logged_in: record the session (whichever way it signed in)."""
    if request is not None and getattr(request, "session", None) is not None:
        session_signed_in(request=request, user=user)
