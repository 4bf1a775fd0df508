"""Minimum necessary: which clients' health records a therapist may read, and emergency access.

A practice chooses (Practice.therapist_note_access) whether its therapists read every client's
record or only the records of clients they have seen or are booked with: an appointment of that
client with that therapist, at any time, past or coming, in any status but cancelled (a no-show was
still booked with them; a booking that was cancelled never became care). Owners read every record;
the front desk holds none of the record permissions.

Where the practice keeps therapists to their own clients, every view that declares a record
permission (practice.permissions.CLIENT_RECORD_PERMISSIONS) is checked before it runs, by the rule
registered with AccessMiddleware (`record_rule`): the client is found from the URL's arguments
through the keys the apps owning the records register here (`register_client_key`: client_id,
appointment_id, plan_id, report_id; `register_nested_key` for an object the view reads under one of
those: version_id, release_id, share_id). A URL argument no app registered is refused: a new view
cannot slip through unchecked, and the record sweep fails on it. A record view whose URL names no
client (the reports list) shows only the rows of readable clients (`readable_rows`); the client's
page hides the timeline's clinical kinds (clients.timeline).

A therapist refused a record may state a reason and open it for a while (EmergencyAccess, granted by
clients.services.emergency_access_grant): the owners are told by email, and every request the grant
lets through is marked in the audit log.

Costs: nothing for owners, the front desk, or a practice whose therapists read every record; one
query for a restricted therapist's request about a client (the client, whether they are in the
therapist's care, and an unexpired grant, together), and one insert more while a grant is used."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.shortcuts import render
from django.urls import resolve, reverse
from django.utils import timezone

from clients.forms import EmergencyAccessForm
from clients.models import Client, EmergencyAccess
from practice.audit import Action, audit_request
from practice.models import Membership, Practice
from practice.permissions import CLIENT_RECORD_PERMISSIONS
from practice.routing import TENANT_URL_KWARG

# --- What URL arguments name, registered by the apps that own the records -------------------------

# URL argument -> find(practice, value): the client's id, or a one-column queryset of it (read as a
# subquery of the rule's one query). An object that is not there finds nothing: the view answers 404.
CLIENT_KEYS: dict[str, Callable] = {}
# URL argument -> the argument naming the object it is read under; the view reads it only under that
# one (an intake version under its client, a link under its report), so the parent decides.
NESTED_KEYS: dict[str, str] = {}


def register_client_key(kwarg: str, find: Callable) -> None:
    """From an AppConfig.ready: URL argument `kwarg` names a record of one client, found by `find`."""
    known = CLIENT_KEYS.get(kwarg)
    if known is not None and known is not find:
        raise ValueError(f"The URL argument {kwarg!r} already has a client key.")
    CLIENT_KEYS[kwarg] = find


def register_nested_key(kwarg: str, *, under: str) -> None:
    """From an AppConfig.ready: URL argument `kwarg` names an object the view reads only under the
    object `under` names (which decides whose record it is)."""
    NESTED_KEYS[kwarg] = under


def understood(names) -> tuple[list[str], list[str]]:
    """(the arguments that name the client, the arguments nobody registered) among a URL's own."""
    names = [name for name in names if name != TENANT_URL_KWARG]
    deciding = [name for name in names if name in CLIENT_KEYS]
    unknown = [
        name
        for name in names
        if name not in CLIENT_KEYS and not (NESTED_KEYS.get(name) in names and NESTED_KEYS[name] in CLIENT_KEYS)
    ]
    return deciding, unknown


# Which clients a person sees or is booked with lives with the appointments, a layer above: sessions
# provides it. lookup(practice, user_id) -> a one-column queryset of those clients' ids.
CARE = []


def provide_care_relationship(lookup: Callable) -> None:
    CARE[:] = [lookup]


def _in_care_of(practice, user_id) -> QuerySet | None:
    return CARE[0](practice, user_id) if CARE else None


# --- The question --------------------------------------------------------------------------------


def restricted(membership) -> bool:
    """Whether the member's reach over health records depends on the client: a therapist, in a
    practice that keeps therapists to their own clients."""
    return (
        membership.role == Membership.Role.THERAPIST
        and membership.practice.therapist_note_access == Practice.NoteAccess.OWN_CLIENTS
    )


@dataclass(frozen=True)
class RecordAccess:
    """What a member may do with one client's record."""

    client_id: object
    client_name: str = ""
    in_care: bool = True  # seen or booked with them (or not restricted at all)
    until: datetime | None = None  # the end of the emergency access that opens it, when that is what does

    @property
    def readable(self) -> bool:
        return self.in_care or self.until is not None

    @property
    def emergency(self) -> bool:
        """Readable only because of emergency access: each use is marked in the audit log."""
        return not self.in_care and self.until is not None


def _cache(membership) -> dict:
    # One membership object per request (AccessMiddleware's): the answer is read once per client.
    return membership.__dict__.setdefault("_record_access", {})


def _read(membership, client_filter: Q) -> RecordAccess | None:
    """One query: the client `client_filter` finds, whether they are in the member's care, and the
    end of the member's unexpired emergency access to them. None when there is no such client."""
    practice, user_id = membership.practice, membership.user_id
    care = _in_care_of(practice, user_id)
    grants = EmergencyAccess.objects.filter(
        practice=practice, user_id=user_id, client=OuterRef("pk"), expires_at__gt=timezone.now()
    )
    row = (
        Client.objects.filter(client_filter, practice=practice)
        .annotate(
            in_care=Exists(care.filter(client_id=OuterRef("pk"))) if care is not None else Value(False),
            until=Subquery(grants.order_by("-expires_at").values("expires_at")[:1]),
        )
        .values("pk", "first_name", "last_name", "preferred_name", "in_care", "until")
        .first()
    )
    if row is None:
        return None
    name = Client.name_shown(row["preferred_name"], row["first_name"], row["last_name"])
    access = RecordAccess(row["pk"], name, row["in_care"], None if row["in_care"] else row["until"])
    _cache(membership)[row["pk"]] = access
    return access


def record_access(membership, client) -> RecordAccess:
    """What `membership` may do with `client`'s record: no query unless the member is restricted,
    then one (once per request and client)."""
    known = _cache(membership).get(client.pk) if restricted(membership) else None
    return known or fresh_record_access(membership, client)


def fresh_record_access(membership, client) -> RecordAccess:
    """record_access read again from the database (a service deciding inside its transaction)."""
    if not restricted(membership):
        return RecordAccess(client.pk, str(client))
    return _read(membership, Q(pk=client.pk)) or RecordAccess(client.pk, str(client), in_care=False)


def readable_rows(membership, rows: QuerySet, *, client_field: str = "client") -> QuerySet:
    """`rows` narrowed to the clients whose records the member may read (a list of records whose URL
    names no client). No query of its own: the conditions are subqueries of the list's."""
    if not restricted(membership):
        return rows
    practice, user_id = membership.practice, membership.user_id
    granted = EmergencyAccess.objects.filter(practice=practice, user_id=user_id, expires_at__gt=timezone.now()).values(
        "client_id"
    )
    readable = Q(**{f"{client_field}__in": granted})
    care = _in_care_of(practice, user_id)
    if care is not None:
        readable |= Q(**{f"{client_field}__in": care})
    return rows.filter(readable)


# --- The rule AccessMiddleware runs ---------------------------------------------------------------


def breaks_glass(view):
    """Mark the view that grants emergency access: the rule lets it through (it is how a refused
    therapist opens the record)."""
    view.breaks_glass = True
    return view


def _resolved(request):
    return getattr(request, "resolver_match", None) or resolve(request.path_info)


def record_rule(request, permission: str, url_kwargs: dict):
    """practice.access record rule: refuse a restricted therapist a record of a client they have not
    seen, with the page that offers emergency access; mark in the audit log each request that
    emergency access lets through."""
    membership = request.membership
    if permission not in CLIENT_RECORD_PERMISSIONS or not restricted(membership):
        return None
    deciding, unknown = understood(url_kwargs)
    if not deciding and not unknown:
        return None  # a list: it shows only readable clients' rows (readable_rows)
    match = _resolved(request)
    if getattr(match.func, "breaks_glass", False):
        return None
    if unknown:  # fail closed: no app said whose record this argument names
        raise PermissionDenied(f"Rebook cannot tell whose record this page shows ({', '.join(unknown)}).")
    for name in deciding:
        found = CLIENT_KEYS[name](membership.practice, url_kwargs[name])
        access = _read(membership, Q(pk__in=found) if isinstance(found, QuerySet) else Q(pk=found))
        if access is None:
            continue  # nothing of this practice: the view answers 404
        if not access.readable:
            return refusal_page(request, access)
        if access.emergency:
            mark_emergency_use(request, access, page=match.view_name)
    return None


def mark_emergency_use(request, access: RecordAccess, *, page: str) -> None:
    """Record one use of emergency access in the audit log (and show its banner on the page)."""
    verb = "read" if request.method in ("GET", "HEAD") else "changed"
    audit_request(
        request,
        action=Action.EMERGENCY_ACCESS,
        record=Client(pk=access.client_id, practice=request.practice),
        label=access.client_name,
        detail=f"{verb} {page} under emergency access",
    )
    request.emergency_access = access


def refusal_page(request, access: RecordAccess, *, form=None, next_url: str = "", status: int = 403):
    """The 403 that says why, with the form that asks for emergency access."""
    if not next_url:
        next_url = (
            request.get_full_path()
            if request.method == "GET"
            else reverse(
                "clients:client-detail", kwargs={"practice_slug": request.practice.slug, "client_id": access.client_id}
            )
        )
    return render(
        request,
        "clients/record_refused.html",
        {
            "access": access,
            "form": form or EmergencyAccessForm(),
            "next": next_url,
            "minutes": settings.EMERGENCY_ACCESS_MINUTES,
        },
        status=status,
    )
