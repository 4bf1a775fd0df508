"""The audit trail of who read or changed protected information. Later features call
`audit_request` (in a view) or `audit_record` (in a service or task) once per read or change."""

from practice.models import AuditEvent, Practice
from practice.net import client_ip

Action = AuditEvent.Action


def audit_record(
    *,
    practice: Practice,
    actor,
    action: str,
    record,
    label: str = "",
    detail: str = "",
    ip_address: str | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event about `record` (any model instance of this practice) to the practice's trail.
    `label` names the record for the owner (default: str(record)); `detail` says what was done.
    Neither may carry health information itself: the trail says *that* something was read.
    `actor_label` names someone without an account (a partner using a report link)."""
    return AuditEvent.objects.create(
        practice=practice,
        actor=actor,
        actor_label=((actor.get_full_name() or actor.email) if actor else actor_label or "system")[:200],
        action=action,
        record_type=record._meta.label_lower,
        record_id=str(record.pk),
        record_label=(label or str(record))[:200],
        detail=detail[:300],
        ip_address=ip_address,
    )


def audit_request(request, *, action: str, record, label: str = "", detail: str = "") -> AuditEvent:
    """audit_record for the signed-in member behind `request`, in the request's practice."""
    return audit_record(
        practice=request.practice,
        actor=request.user,
        action=action,
        record=record,
        label=label,
        detail=detail,
        ip_address=client_ip(request),
    )
