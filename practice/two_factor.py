"""Second factors (django-otp): an authenticator app (TOTP) and single-use recovery codes. Each
person manages their own; adding or removing one is written to the audit log of every practice they
belong to. Keyword-only arguments; a refusal raises ValidationError with a message for the person."""

import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import AuditEvent, Membership, RecoveryCode, RecoveryCodes, User, recovery_code_hash
from practice.signin_audit import audit_account

Action = AuditEvent.Action
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR = "Authenticator app"
RECOVERY = "Recovery codes"


def authenticators(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("created_at"))


def has_second_factor(user: User) -> bool:
    """True when the person can prove a second factor: a confirmed authenticator app. Recovery
    codes alone do not count: they are the spare key, not the lock."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user: User) -> bool:
    """True when a practice the person works in requires two-factor sign-in."""
    return Membership.objects.filter(user=user, practice__require_two_factor=True).exists()


# --- Enrolling an authenticator app ------------------------------------------------------------


def authenticator_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the person to scan; any earlier unconfirmed one is
    dropped, so its secret (shown once) can no longer be confirmed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def pending_authenticator(*, user: User, device_id) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()


def authenticator_secret(device: TOTPDevice) -> str:
    """The secret as an app asks for it when typed by hand: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def authenticator_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here: no image leaves the server)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1f2a28", title="QR code to scan")
    return mark_safe(svg)  # segno's own markup, built from our URL  # noqa: S308


def authenticator_confirm(*, device: TOTPDevice, code: str, ip_address=None) -> list[str]:
    """Confirm the new authenticator with a code it shows. Returns fresh recovery codes when the
    person had none (shown once), else []. Raises ValidationError for a wrong code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(_digits(code)):
            raise ValidationError(
                "That code does not match. Check the app shows Rebook and type the six digits it shows now."
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_account(
            user=device.user, action=Action.TWO_FACTOR_ADDED, detail="authenticator app", ip_address=ip_address
        )
        if RecoveryCodes.objects.filter(user=device.user, confirmed=True).exists():
            return []
        return _new_recovery_codes(device.user)


def authenticator_remove(*, user: User, device_id, ip_address=None) -> None:
    """Remove one of the person's authenticators. The last one stays while a practice of theirs
    requires two-factor sign-in, so nobody locks themselves out of the requirement by accident."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        device = next((d for d in devices if str(d.pk) == str(device_id)), None)
        if device is None:
            raise ValidationError("That authenticator is not on your account any more.")
        if len(devices) == 1 and two_factor_required(user):
            raise ValidationError(
                "Your practice requires two-factor sign-in: add another authenticator app before removing this one."
            )
        device.delete()
        if len(devices) == 1:  # no second factor left: the spare codes go with it
            RecoveryCodes.objects.filter(user=user).delete()
        audit_account(user=user, action=Action.TWO_FACTOR_REMOVED, detail="authenticator app", ip_address=ip_address)


def two_factor_reset(*, membership: Membership, actor: User, ip_address=None) -> None:
    """An owner clears a member's second factors (their phone and codes are lost); the member signs
    in with their password and, where the practice requires it, enrols again. Only for someone who
    works in no other practice: one practice's owner may not weaken another practice's protection."""
    user = membership.user
    if Membership.objects.filter(user=user).exclude(practice_id=membership.practice_id).exists():
        raise ValidationError(
            f"{user} also works in another practice, so their two-factor sign-in cannot be reset from here. "
            "They can sign in with a recovery code and manage it on their account page."
        )
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodes.objects.filter(user=user).delete()
        if not removed:
            raise ValidationError(f"{user} has no two-factor sign-in to reset.")
        audit_account(
            user=user, action=Action.TWO_FACTOR_REMOVED, detail=f"reset by {actor} (owner)", ip_address=ip_address
        )


# --- Recovery codes ------------------------------------------------------------------------------


def recovery_codes_renew(*, user: User, ip_address=None) -> list[str]:
    """A fresh set of recovery codes, replacing the old set (whose unused codes stop working)."""
    if not has_second_factor(user):
        raise ValidationError("Add an authenticator app first: recovery codes stand in for it.")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_account(user=user, action=Action.TWO_FACTOR_ADDED, detail="new recovery codes", ip_address=ip_address)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True, used_at__isnull=True).count()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes)
    return codes


def _recovery_code() -> str:
    """16 base32 characters (80 random bits) in groups of four: XXXX-XXXX-XXXX-XXXX."""
    text = b32encode(secrets.token_bytes(10)).decode()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


# --- Signing in with a second factor ---------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    device: object | None  # the device that accepted the code, or None
    paused: bool = False  # wrong codes came too fast: nothing was checked this time


def second_factor_verify(*, user: User, code: str) -> Verification:
    """Which of the person's devices accepts `code`: six digits are tried on their authenticators,
    anything else on their recovery codes. After a wrong code each device pauses (1, 2, 4 … seconds,
    django-otp's throttling) before it checks another, so guessing is slow even from many places."""
    digits = _digits(code)
    with transaction.atomic():
        if len(digits) == 6 and digits.isdigit():
            candidates, token = TOTPDevice.objects.devices_for_user(user, confirmed=True), digits
        else:
            candidates, token = RecoveryCodes.objects.devices_for_user(user, confirmed=True), code
        paused = False
        for device in candidates.select_for_update():
            if not device.verify_is_allowed()[0]:
                paused = True
                continue
            if device.verify_token(token):
                if isinstance(device, TOTPDevice):
                    device.set_last_used_timestamp()
                return Verification(device)
    return Verification(None, paused=paused)


def method_label(device) -> str:
    return "a recovery code" if isinstance(device, RecoveryCodes) else "an authenticator app"


def _digits(code: str) -> str:
    return "".join(str(code).split())
