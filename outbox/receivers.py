"""What the outbox does when the layer below (practice) announces something to send."""

from django.dispatch import receiver
from django.utils import formats

from practice.signals import invitation_created

from .kinds import MessageKind, register_kind
from .models import Purpose
from .services import enqueue

STAFF_INVITATION = register_kind(MessageKind("staff_invitation", Purpose.TRANSACTIONAL))


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
