"""The sign-in audit: every sign-in, failed attempt, lock-out, sign-out, second-factor change,
password change and ended session goes to the audit log of each practice the person belongs to,
with the time and the address it came from. Django's and django-axes' signals drive the first
four (connected in PracticeConfig.ready); the account's services call `audit_account` for the rest."""

from django_scopes import scopes_disabled

from practice.models import AuditEvent, Membership, User
from practice.net import client_ip

SECOND_FACTOR_FAILED = "second_factor"  # set in a failed attempt's credentials by the code step
LOCKED_BEFORE = "signin_locked_before"  # set on the request by the password step: already locked out


def audit_account(*, user: User, action: str, detail: str = "", ip_address=None) -> int:
    """One event about `user`'s account in each of their practices; returns how many were written.
    Someone who belongs to no practice has no practice log to write to."""
    practice_ids = list(Membership.objects.filter(user=user).values_list("practice_id", flat=True))
    label = str(user)[:200]
    with scopes_disabled():  # a row per practice, each insert naming its own practice
        for practice_id in practice_ids:
            AuditEvent.objects.create(
                practice_id=practice_id,
                actor=user,
                actor_label=label,
                action=action,
                record_type=User._meta.label_lower,
                record_id=str(user.pk),
                record_label=label,
                detail=detail[:300],
                ip_address=ip_address,
            )
    return len(practice_ids)


def browser_label(request) -> str:
    """A short, readable name for the browser behind `request` ("Chrome on Windows")."""
    return browser_named(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")


def browser_named(agent: str) -> str:
    """A short, readable name for a User-Agent header ("Chrome on Windows")."""
    browser = next((name for token, name in _BROWSERS if token in agent), "A browser")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    return f"{browser} on {system}" if system else browser


# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


# --- Receivers --------------------------------------------------------------------------------


def on_signed_in(sender, request, user, **kwargs):
    how = "with a second factor" if getattr(user, "otp_device", None) is not None else "with a password"
    audit_account(
        user=user,
        action=AuditEvent.Action.SIGN_IN,
        detail=f"{how}, {browser_label(request)}",
        ip_address=client_ip(request) if request is not None else None,
    )


def on_signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_account(user=user, action=AuditEvent.Action.SIGN_OUT, ip_address=client_ip(request))


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    user = _account_named(credentials.get("username"))
    if user is None:
        return  # no account, so no practice whose log it belongs in
    if getattr(request, LOCKED_BEFORE, False):
        what = "tried while locked out"  # django-axes refused it before the password was checked
    elif credentials.get(SECOND_FACTOR_FAILED):
        what = "wrong second-factor code"
    else:
        what = "wrong password"
    audit_account(
        user=user,
        action=AuditEvent.Action.SIGN_IN_FAILED,
        detail=what,
        ip_address=client_ip(request) if request is not None else None,
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    if getattr(request, LOCKED_BEFORE, False):
        return  # django-axes says it again for each try during the lock-out; once is the event
    user = _account_named(username)
    if user is not None:
        audit_account(
            user=user, action=AuditEvent.Action.LOCKED_OUT, detail="too many failed attempts", ip_address=ip_address
        )


def _account_named(email) -> User | None:
    if not email:
        return None
    return User.objects.filter(email__iexact=str(email).strip()).first()


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_signed_in, dispatch_uid="practice.audit_sign_in")
    user_logged_out.connect(on_signed_out, dispatch_uid="practice.audit_sign_out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="practice.audit_sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="practice.audit_locked_out")
