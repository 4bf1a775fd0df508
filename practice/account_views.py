"""Signing in and out, and a person's own account security: the second-factor step of sign-in,
authenticator apps and recovery codes, the password, and the sessions signed in as them.

Sign-in is two steps for someone with an authenticator: the password step remembers only who is
signing in (for five minutes, in the anonymous session) and the code step signs them in, so no
page is reached on a password alone. A wrong code counts as a failed sign-in, towards the same
lock-out as wrong passwords (django-axes)."""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from practice import account_sessions, two_factor
from practice.access import PUBLIC, SIGNED_IN, requires
from practice.forms import AuthenticatorConfirmForm, LoginForm, SecondFactorForm
from practice.models import AuditEvent, RecoveryCodes, User
from practice.net import client_ip, login_username
from practice.signin_audit import LOCKED_BEFORE, SECOND_FACTOR_FAILED, audit_account, browser_named

PENDING = "_signin_pending"  # who passed the password step, waiting for their second factor
PENDING_SECONDS = 300
NEW_DEVICE = "_enrolling_device"  # the unconfirmed authenticator this session is showing


class LoginView(auth_views.LoginView):
    permission = PUBLIC
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Known before the attempt, so the audit log can tell a refused try from a wrong password.
        credentials = {"username": login_username(request)}
        setattr(request, LOCKED_BEFORE, AxesProxyHandler.is_locked(request, credentials))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_second_factor(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("practice:login-code")
        response = super().form_valid(form)
        if two_factor.two_factor_required(user):
            response = _to_enrolment(self.get_success_url())
        return _known_browser(self.request, user, response)


class LogoutView(auth_views.LogoutView):
    permission = PUBLIC

    def post(self, request, *args, **kwargs):
        account_sessions.session_signed_out(session_key=request.session.session_key)
        return super().post(request, *args, **kwargs)


@requires(PUBLIC)
def login_code(request):
    """The sign-in's second step: a code from the authenticator app, or a recovery code."""
    pending = _pending(request)
    user = User.objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if user is None:
        messages.info(request, "Your sign-in took too long. Please sign in again.")
        return redirect("practice:login")
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked = two_factor.second_factor_verify(user=user, code=form.cleaned_data["code"])
        if checked.device is not None:
            del request.session[PENDING]
            user.otp_device = checked.device  # django-otp keeps it in the session as login() runs
            login(request, user, backend=pending["backend"])
            if isinstance(checked.device, RecoveryCodes):
                _warn_codes_left(request, user)
            return _known_browser(request, user, redirect(pending["next"]))
        # A try while paused counts too: it is an attempt, and the lock-out is the backstop.
        user_login_failed.send(
            sender=__name__, credentials={**credentials, SECOND_FACTOR_FAILED: True}, request=request
        )
        form.add_error(
            "code",
            "Too many wrong codes in a row: wait a few seconds, then type the code the app shows then."
            if checked.paused
            else "That code is not right. Type the six digits the app shows now, or a recovery code.",
        )
    return render(request, "registration/login_code.html", {"form": form}, status=400 if form.errors else 200)


def _known_browser(request, user, response):
    """Signed in: a browser new to the person is remembered, and they are told of it by email."""
    token = account_sessions.browser_recognise(request=request, user=user)
    return account_sessions.set_browser_cookie(response, token)


def _pending(request) -> dict | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending


def _warn_codes_left(request, user) -> None:
    left = two_factor.recovery_codes_left(user)
    messages.warning(
        request,
        f"You signed in with a recovery code; {left} left. Make new ones on your account page if your phone is lost.",
    )


def _to_enrolment(next_url: str):
    return redirect(f"{reverse('practice:two-factor-add')}?{urlencode({'next': next_url})}")


# --- The account page ---------------------------------------------------------------------


@requires(SIGNED_IN)
def account(request):
    user = request.user
    return render(
        request,
        "practice/account.html",
        {
            "authenticators": two_factor.authenticators(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.two_factor_required(user),
            "sessions": _sessions_of(request),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


def _sessions_of(request) -> list[dict]:
    current = request.session.session_key
    return [
        {
            "session": signed_in,
            "browser": browser_named(signed_in.user_agent),
            "current": signed_in.session_key == current,
        }
        for signed_in in account_sessions.active_sessions(user=request.user)
    ]


@requires(SIGNED_IN)
def two_factor_add(request):
    """Enrol an authenticator app: a POST makes a new secret and shows its QR code (once: the page
    is the answer to that POST, and the secret is never shown again after it is confirmed); a
    code from the app confirms it."""
    next_url = _safe_next(request)
    context = {"next": next_url, "required": two_factor.two_factor_required(request.user)}
    if request.method != "POST":
        return render(request, "practice/two_factor_add.html", context)
    if "start" in request.POST:
        device = two_factor.authenticator_start(user=request.user)
        request.session[NEW_DEVICE] = device.pk
        return _show_new_device(request, device, AuthenticatorConfirmForm(), context)
    device = two_factor.pending_authenticator(user=request.user, device_id=request.session.get(NEW_DEVICE))
    if device is None:
        messages.info(request, "That setup was replaced or finished. Start again to see a new code.")
        return redirect(f"{reverse('practice:two-factor-add')}?{urlencode({'next': next_url})}")
    form = AuthenticatorConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.authenticator_confirm(
                device=device, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            del request.session[NEW_DEVICE]
            _verified_now(request, device)
            messages.success(request, "Two-factor sign-in is on: you will be asked for a code when you sign in.")
            if codes:
                return render(request, "practice/recovery_codes.html", {"codes": codes, "next": next_url})
            return redirect(next_url)
    return _show_new_device(request, device, form, context, status=400)


def _show_new_device(request, device, form, context, status=200):
    return render(
        request,
        "practice/two_factor_scan.html",
        {
            **context,
            "form": form,
            "qr_svg": two_factor.authenticator_qr_svg(device),
            "secret": two_factor.authenticator_secret(device),
        },
        status=status,
    )


def _verified_now(request, device) -> None:
    """Enrolling proves the second factor for this session too: the practice's requirement is met."""
    otp_login(request, device)
    account_sessions.session_second_factor(session_key=request.session.session_key)


@require_POST
@requires(SIGNED_IN)
def two_factor_remove(request, device_id):
    try:
        two_factor.authenticator_remove(user=request.user, device_id=device_id, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The authenticator app was removed from your account.")
    return redirect("practice:account")


@require_POST
@requires(SIGNED_IN)
def recovery_codes_new(request):
    try:
        codes = two_factor.recovery_codes_renew(user=request.user, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("practice:account")
    return render(request, "practice/recovery_codes.html", {"codes": codes, "next": reverse("practice:account")})


# --- Password and sessions ------------------------------------------------------------------


@requires(SIGNED_IN)
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    ip_address = client_ip(request)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            kept = request.session.session_key
            ended = account_sessions.sessions_end_all(user=form.user, keep_session_key=kept, ip_address=ip_address)
            update_session_auth_hash(request, form.user)  # this session stays signed in, under a new key
            account_sessions.session_rekeyed(old_key=kept, new_key=request.session.session_key)
            audit_account(
                user=form.user,
                action=AuditEvent.Action.PASSWORD_CHANGED,
                detail=f"{ended} other session{'s' if ended != 1 else ''} ended",
                ip_address=ip_address,
            )
        messages.success(request, "Your password was changed. Any other browser signed in as you was signed out.")
        return redirect("practice:account")
    return render(request, "practice/password_change.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@requires(SIGNED_IN)
def session_end(request, session_id):
    ended = account_sessions.session_end(user=request.user, session_id=session_id, ip_address=client_ip(request))
    if ended is None:
        messages.info(request, "That session had already ended.")
    elif ended.session_key == request.session.session_key:
        return redirect("practice:login")
    else:
        messages.success(request, "The session was ended: that browser is signed out.")
    return redirect("practice:account")


@require_POST
@requires(SIGNED_IN)
def sessions_end_others(request):
    ended = account_sessions.sessions_end_all(
        user=request.user,
        keep_session_key=request.session.session_key,
        reason="signed out everywhere else",
        ip_address=client_ip(request),
    )
    messages.success(request, f"{ended} other session{'s' if ended != 1 else ''} ended.")
    return redirect("practice:account")


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("practice:home")
