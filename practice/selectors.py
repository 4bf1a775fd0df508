"""Reads for practices, staff and the audit log."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import AuditEvent, Invitation, Membership, Practice


def membership_for(*, user, practice_slug: str) -> tuple[Membership | None, list[Membership]]:
    """The user's membership of the practice with this slug (None when the practice does not exist
    or the user is not a member: callers answer both the same way, 404), and all the user's
    memberships, which the navigation's practice switcher shows: one query for both."""
    memberships = list(memberships_of(user=user))
    return next((m for m in memberships if m.practice.slug == practice_slug), None), memberships


def memberships_of(*, user):
    """Every practice the user works in, for the practice picker and the switcher."""
    return Membership.objects.filter(user=user).select_related("practice").order_by("practice__name")


def staff_of(*, practice: Practice):
    """The practice's members with their accounts and whether they sign in with a second factor
    (`two_factor`), for the staff page."""
    authenticator = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        Membership.objects.filter(practice=practice).select_related("user").annotate(two_factor=Exists(authenticator))
    )


def pending_invitations(*, practice: Practice):
    """Invitations not yet accepted, revoked or expired. Call inside the practice's scope."""
    return Invitation.objects.filter(
        practice=practice, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def audit_events(*, practice: Practice, actor_id=None, action="", record_type="", date_from=None, date_to=None):
    """The practice's audit trail, newest first, narrowed by the owner's filters. Dates are local
    calendar days in the active (the practice's) time zone, both ends included."""
    events = AuditEvent.objects.filter(practice=practice).select_related("actor")
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    if record_type:
        events = events.filter(record_type=record_type)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def audit_record_types(*, practice: Practice) -> list[str]:
    return list(
        AuditEvent.objects.filter(practice=practice)
        .order_by("record_type")
        .values_list("record_type", flat=True)
        .distinct()
    )


def staff_counts(*, practice: Practice) -> dict:
    """How many members of each role the practice has, for the home page."""
    return Membership.objects.filter(practice=practice).aggregate(
        **{role.value: Count("id", filter=Q(role=role)) for role in Membership.Role}
    )
