"""The one role -> permission table. Views declare a permission name (practice/access.py); the
navigation and templates ask the same table, so what a role sees is what it may use."""

from practice.models import Membership

Role = Membership.Role
EVERYONE = frozenset(Role)

PERMISSIONS: dict[str, frozenset] = {
    "practice.view": EVERYONE,  # the practice home page
    "practice.settings": frozenset({Role.OWNER}),
    "staff.manage": frozenset({Role.OWNER}),
    "audit.view": frozenset({Role.OWNER}),
    "clients.view": EVERYONE,  # list, search, contact details and alerts
    "clients.edit": EVERYONE,
    "clients.export": frozenset({Role.OWNER}),
    "clients.erase": frozenset({Role.OWNER}),
    # Health information: the front desk books and checks out, it does not read intakes.
    "intake.view": frozenset({Role.OWNER, Role.THERAPIST}),
    "intake.edit": frozenset({Role.OWNER, Role.THERAPIST}),
    "intake.send": EVERYONE,  # send a client their self-service intake link
    # Clinical notes and plans: therapists and owners; the front desk sees only the plan's
    # recommendation and the client-facing summary, on the checkout screen.
    "notes.view": frozenset({Role.OWNER, Role.THERAPIST}),
    "notes.write": frozenset({Role.OWNER, Role.THERAPIST}),
    "calendar.view": EVERYONE,
    "appointments.book": EVERYONE,  # book, move, cancel, mark arrived / completed, check out
    "schedule.manage": frozenset({Role.OWNER}),  # services, rooms, working hours, time off
    "figures.view": frozenset({Role.OWNER, Role.FRONT_DESK}),  # rebooking figures: the desk's own measure
    # Retention: new clients' return per therapist and source, cohorts, why clients did not rebook.
    # Each therapist's figures beside the others' are the owner's to read, not the desk's.
    "retention.view": frozenset({Role.OWNER}),
    "calls.work": EVERYONE,  # the call list: follow-up and recall calls
    "outreach.settings": frozenset({Role.OWNER}),
    "newsletters.manage": frozenset({Role.OWNER}),
    # The practice's articles and self-care handouts: the owner writes them, therapists read them
    # (they attach them to notes); clients read them through signed links.
    "library.manage": frozenset({Role.OWNER}),
    "library.view": frozenset({Role.OWNER, Role.THERAPIST}),
    "partners.manage": frozenset({Role.OWNER}),  # referral partners: vetting, contacts, figures
    "releases.manage": frozenset({Role.OWNER, Role.THERAPIST}),  # clients' release-of-information forms
    "reports.manage": frozenset({Role.OWNER, Role.THERAPIST}),  # progress reports: draft, sign, send, download
    "referrals.attribute": EVERYONE,  # record where a client came from
    "outbox.view": frozenset({Role.OWNER, Role.FRONT_DESK}),
    "outbox.manage": frozenset({Role.OWNER, Role.FRONT_DESK}),  # retry or cancel a message
}


# The permissions that reach a client's health record (intake, notes and plans, releases, progress
# reports). A practice may keep therapists to the records of clients they have seen or are booked
# with (Practice.therapist_note_access); clients.record_access enforces that for every view that
# declares one of these, and the record sweep (clients/tests/test_record_access_sweep.py) proves it.
CLIENT_RECORD_PERMISSIONS = frozenset(
    {"intake.view", "intake.edit", "notes.view", "notes.write", "releases.manage", "reports.manage"}
)


def role_has_perm(role: str, permission: str) -> bool:
    """True when `role` holds `permission`. An unknown permission name is a programming error."""
    try:
        return role in PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"Unknown permission {permission!r}: add it to practice/permissions.py") from None


def perms_for_role(role: str) -> frozenset[str]:
    return frozenset(name for name, roles in PERMISSIONS.items() if role in roles)
