"""Writes for practices, staff and invitations. Every function takes keyword arguments only and
either completes or raises ValidationError with a message fit for the person who asked."""

import io
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from PIL import Image

from practice.account_sessions import sessions_end_all
from practice.audit import Action, audit_record
from practice.models import Invitation, Membership, Practice, User
from practice.signals import invitation_created
from practice.tokens import new_token, token_hash, token_practice, token_route

Role = Membership.Role


def practice_sign_up(
    *, name: str, slug: str, time_zone: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> Membership:
    """Create a practice and its first owner in one transaction (the sign-up page)."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": "An account with this email already exists. Sign in to add a practice."})
        user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name)
        return practice_create(name=name, slug=slug, time_zone=time_zone, owner=user)


def practice_create(*, name: str, slug: str, time_zone: str, owner: User, **details) -> Membership:
    """A new practice with `owner` as its owner; returns the owner's membership."""
    taken = ValidationError({"slug": "That web address is taken; please choose another."})
    if Practice.objects.filter(slug=slug).exists():
        raise taken
    try:
        with transaction.atomic():
            practice = Practice.objects.create(name=name, slug=slug, time_zone=time_zone, **details)
            return Membership.objects.create(practice=practice, user=owner, role=Role.OWNER)
    except IntegrityError:  # someone took the slug between the check and the insert
        raise taken from None


# Settings that decide who reaches what: a change to one is written to the audit log.
SECURITY_SETTINGS = ("require_two_factor", "therapist_note_access")


def practice_update(*, practice: Practice, actor=None, ip_address=None, **fields) -> Practice:
    """Change the practice's details (the owner's settings page). The slug is fixed after sign-up
    because staff bookmarks and emailed links contain it."""
    # Compared with the stored row: a model form has already set the new values on `practice`.
    stored = Practice.objects.filter(pk=practice.pk).values(*SECURITY_SETTINGS).first() or {}
    changed = [name for name in SECURITY_SETTINGS if name in fields and stored.get(name) != fields[name]]
    for field, value in fields.items():
        setattr(practice, field, value)
    practice.full_clean()
    with transaction.atomic():
        practice.save()
        for name in changed:
            audit_record(
                practice=practice,
                actor=actor,
                action=Action.CHANGE,
                record=practice,
                detail=_security_setting_change(practice, name),
                ip_address=ip_address,
            )
    return practice


def _security_setting_change(practice: Practice, name: str) -> str:
    if name == "require_two_factor":
        return f"two-factor sign-in {'required' if practice.require_two_factor else 'no longer required'}"
    return f"therapists read the notes of: {practice.get_therapist_note_access_display().lower()}"


LOGO_BOX = (600, 200)  # pixels: sharp at letterhead size, small enough to keep in the row
# Decoding costs width × height × 4 bytes whatever the file's size (a 650 KB PNG can hold 13,000 ×
# 13,000 pixels: 680 MB). Above this the upload is refused from its header, before any decoding.
LOGO_MAX_SIDE = 3000


def logo_too_large(size: tuple[int, int]) -> str:
    """Why an image of `size` (width, height) is refused as a logo, or ""."""
    width, height = size
    if width <= LOGO_MAX_SIDE and height <= LOGO_MAX_SIDE:
        return ""
    return (
        f"The logo is {width:,} × {height:,} pixels; please upload one of at most {LOGO_MAX_SIDE:,} pixels "
        f"a side ({LOGO_BOX[0]} × {LOGO_BOX[1]} is plenty for the letterhead)."
    )


def practice_set_logo(*, practice: Practice, image_file) -> Practice:
    """Store the uploaded logo re-encoded as a small PNG (which also drops whatever else the file
    carried), or remove it when `image_file` is None. The size is read from the header first."""
    if image_file is None:
        practice.logo_png = None
    else:
        image_file.seek(0)
        with Image.open(image_file) as image:
            if problem := logo_too_large(image.size):
                raise ValidationError(problem)
            image.thumbnail(LOGO_BOX)
            buffer = io.BytesIO()
            image.convert("RGBA").save(buffer, format="PNG", optimize=True)
        practice.logo_png = buffer.getvalue()
    practice.save(update_fields=["logo_png"])
    return practice


def invitation_create(*, practice: Practice, invited_by: User, email: str, role: str, ip_address=None) -> Invitation:
    """Invite `email` to join with `role`; the single-use link goes out through the outbox (the
    outbox listens to `invitation_created`). A newer invitation to the same address replaces any
    pending one. Audited."""
    email = email.strip().lower()
    if Membership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the practice."})
    token = new_token()
    with transaction.atomic(), scope(practice=practice):
        Invitation.objects.filter(
            practice=practice, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            practice=practice,
            email=email,
            role=role,
            token_hash=token_hash(token),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        token_route(practice=practice, token=token, kind="invitation")
        accept_url = settings.SITE_URL + reverse("practice:invitation-accept", args=[token])
        invitation_created.send(sender=Invitation, invitation=invitation, accept_url=accept_url)
        audit_record(
            practice=practice,
            actor=invited_by,
            action=Action.CREATE,
            record=invitation,
            label=invitation.email,
            detail=f"invited as {invitation.get_role_display()}",
            ip_address=ip_address,
        )
    return invitation


def invitation_revoke(*, invitation: Invitation) -> None:
    """Withdraw a pending invitation; its link stops working."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, in whichever practice (the link is the proof),
    or None. Expired and used invitations are returned too, so the page can say which it is."""
    practice = token_practice(token, kind="invitation")
    if practice is None:
        return None
    with scope(practice=practice):
        return (
            Invitation.objects.select_related("practice")
            .filter(practice=practice, token_hash=token_hash(token))
            .first()
        )


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invited role. The invitation is locked and used up in the
    same transaction, so a link cannot be used twice even by two tabs at once."""
    with transaction.atomic(), scope(practice=invitation.practice):
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError(
                "This invitation has expired or has already been used. Ask the practice for a new one."
            )
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                f"This invitation was sent to {invitation.email}. Sign in with that address to accept it."
            )
        membership, _ = Membership.objects.get_or_create(
            practice=invitation.practice, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        return membership


def invitation_accept_new_account(
    *, invitation: Invitation, password: str, first_name: str, last_name: str
) -> Membership:
    """Create the invited person's account (the invitation proves the address) and accept."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("An account with this address exists already. Sign in to accept the invitation.")
        user = User.objects.create_user(invitation.email, password, first_name=first_name, last_name=last_name)
        return invitation_accept(invitation=invitation, user=user)


def _lock_owners(practice: Practice) -> list[Membership]:
    """Lock the practice's owner rows so two concurrent demotions cannot both pass the check."""
    return list(Membership.objects.select_for_update().filter(practice=practice, role=Role.OWNER))


def membership_change_role(*, membership: Membership, role: str, actor=None, ip_address=None) -> Membership:
    """Give a member another role; the practice always keeps at least one owner. Audited."""
    if role not in Role.values:
        raise ValidationError("Unknown role.")
    with transaction.atomic():
        owners = _lock_owners(membership.practice)
        if membership.role == Role.OWNER and role != Role.OWNER and len(owners) <= 1:
            raise ValidationError("A practice needs at least one owner. Make someone else an owner first.")
        old_role = membership.get_role_display()
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            practice=membership.practice,
            actor=actor,
            action=Action.CHANGE,
            record=membership,
            label=str(membership.user),
            detail=f"role {old_role} → {membership.get_role_display()}",
            ip_address=ip_address,
        )
    return membership


def membership_remove(*, membership: Membership, actor=None, ip_address=None) -> Membership:
    """Remove a member from the practice (their account stays); never the last owner. Their
    sessions end at once, wherever they are signed in. Audited."""
    with transaction.atomic():
        owners = _lock_owners(membership.practice)
        if membership.role == Role.OWNER and len(owners) <= 1:
            raise ValidationError("The last owner cannot be removed. Make someone else an owner first.")
        # A queryset delete keeps the instance's pk, so the audit log can still name it.
        Membership.objects.filter(pk=membership.pk).delete()
        # Their open sessions end now, not at the idle timeout: a removed person reads nothing more.
        # (An owner leaving of their own accord stays signed in for their other practices.)
        ended = 0 if actor == membership.user else sessions_end_all(user=membership.user)
        audit_record(
            practice=membership.practice,
            actor=actor,
            action=Action.DELETE,
            record=membership,
            label=str(membership.user),
            detail=f"removed from the practice; {ended} session{'s' if ended != 1 else ''} ended",
            ip_address=ip_address,
        )
    return membership
