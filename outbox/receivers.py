"""What the outbox does when the layer below (practice) announces something to send."""

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats, timezone

from practice.signals import invitation_created, new_browser_signed_in

from .kinds import MessageKind, register_kind
from .models import Purpose
from .services import enqueue

STAFF_INVITATION = register_kind(MessageKind("staff_invitation", Purpose.TRANSACTIONAL))
NEW_BROWSER_SIGN_IN = register_kind(MessageKind("new_browser_sign_in", Purpose.TRANSACTIONAL))


@receiver(invitation_created, dispatch_uid="outreach.staff_invitation")
def enqueue_staff_invitation(sender, *, invitation, accept_url, **kwargs):
    enqueue(
        practice=invitation.practice,
        kind=STAFF_INVITATION,
        address=invitation.email,
        idempotency_key=f"staff-invitation:{invitation.pk}",
        created_by=invitation.invited_by,
        context={
            "invited_by": str(invitation.invited_by),
            "role": invitation.get_role_display(),
            "expires_on": formats.date_format(invitation.expires_at, "j F Y"),
            "url": accept_url,  # a secret; cleared from the row once sent (outbox/dispatch.py)
        },
    )


@receiver(new_browser_signed_in, dispatch_uid="outreach.new_browser_sign_in")
def enqueue_new_browser_sign_in(sender, *, user, practice, known_browser, when, browser, ip_address, **kwargs):
    """ "Was this you?": the person hears of a sign-in from a browser they had not used before."""
    enqueue(
        practice=practice,
        kind=NEW_BROWSER_SIGN_IN,
        address=user.email,
        idempotency_key=f"new-browser:{known_browser.pk}",
        context={
            "name": user.first_name or user.email,
            "when": formats.date_format(timezone.localtime(when, practice.zone), "l j F Y, H:i T"),
            "browser": browser,
            "ip_address": ip_address,
            "account_url": settings.SITE_URL + reverse("practice:account"),
            "reset_url": settings.SITE_URL + reverse("practice:password-reset"),
        },
    )
