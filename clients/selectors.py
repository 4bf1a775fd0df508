"""Reads for clients and their intake. Call inside the practice's scope; lookups by id name the
practice too, so another practice's client is 'not found' (404), never shown."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.lookups import IContains, Regex
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, IntakeLink, IntakeVersion, digits_of
from clients.timeline import Entry
from practice.models import Practice
from practice.parsing import read_uuid

SEGMENTS = {
    "active": "Active",
    "new": "New (first 30 days)",
    "lapsed": "Lapsed",
    "archived": "Archived",
    "all": "Everyone",
}


def client_get(*, practice: Practice, client_id) -> Client:
    """The practice's client, or 404 for a client of another practice or none at all."""
    return get_object_or_404(Client, practice=practice, pk=client_id)


def client_get_or_none(*, practice: Practice, client_id) -> Client | None:
    """The practice's client with that id (any text), or None."""
    pk = read_uuid(client_id)
    return Client.objects.filter(practice=practice, pk=pk).first() if pk else None


def client_search(*, practice: Practice, query: str = "", segment: str = "active"):
    """Clients matching `query` (name, preferred name, email or phone, any part, any case) in a
    segment: active, new (created in the last 30 days), lapsed (active, last visit longer ago than
    REBOOK_LAPSED_AFTER_DAYS), archived, or all.

    Every word must be in a name or the email, or, when it has three digits or more, its digits in
    the phone number (typed with or without separators). Each condition reads the search text
    through the trigram index `client_search_trgm`, which serves words of three characters or more;
    a word of one or two characters is looked for in every client of the practice (a scan)."""
    clients = Client.objects.filter(practice=practice)
    now = timezone.now()
    if segment == "active":
        clients = clients.filter(status=Client.Status.ACTIVE)
    elif segment == "new":
        clients = clients.filter(status=Client.Status.ACTIVE, created_at__gte=now - timedelta(days=30))
    elif segment == "lapsed":
        clients = clients.filter(
            status=Client.Status.ACTIVE, last_visit_at__lt=now - timedelta(days=settings.LAPSED_AFTER_DAYS)
        )
    elif segment == "archived":
        clients = clients.filter(status=Client.Status.ARCHIVED)
    for term in query.split():
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 3 and digits == term:
            # Only digits: in a name, the email or the phone, that is anywhere in the search text.
            matches = Q(search_text__icontains=term)
        else:
            matches = Q(_InNamesOrEmail(F("search_text"), term))
            if len(digits) >= 3:  # a phone number typed with separators: its digits in the phone
                # Upper() only to be the indexed expression (digits have no case, and need no
                # escaping in a regular expression).
                matches |= Q(Regex(Upper("search_text"), f"{digits}[^ ]*$"))
        clients = clients.filter(matches)
    return clients.order_by("last_name", "first_name")


class _InNamesOrEmail(IContains):
    """`search_text` is the first, last and preferred names, the email and, last, the phone's
    digits, joined by spaces (Client.search_text). A search word has no space, so where it is
    followed by a space somewhere after it, it lies in a name or the email, never in the phone:
    UPPER(search_text) LIKE UPPER('%word% %'), which the trigram index serves as it serves
    `icontains`. (The phone's digits are found with `[^ ]*$`: digits with no space after them.)"""

    param_pattern = "%%%s%% %%"


def possible_duplicates(*, practice: Practice, email: str = "", phone: str = "", exclude_id=None):
    """Clients with the same email (any case) or the same phone number (compared by its last nine
    digits, so separators and a country code do not matter): the create form asks before adding a
    second record for the same person."""
    conditions = Q()
    if email:
        conditions |= Q(email__iexact=email.strip())
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 7:
        # The last nine digits: "+1 603 555 0142" and "603-555-0142" are the same number.
        conditions |= Q(phone_digits__endswith=digits[-9:])
    if not conditions:
        return Client.objects.none()
    matches = Client.objects.filter(practice=practice).annotate(phone_digits=digits_of("phone")).filter(conditions)
    return matches.exclude(pk=exclude_id) if exclude_id else matches


def latest_intake(*, client: Client) -> IntakeVersion | None:
    return IntakeVersion.objects.filter(practice=client.practice, client=client).order_by("-number").first()


def intake_versions(*, client: Client):
    return IntakeVersion.objects.filter(practice=client.practice, client=client).select_related("created_by")


def intake_version_get(*, client: Client, version_id) -> IntakeVersion:
    return get_object_or_404(IntakeVersion, practice=client.practice, client=client, pk=version_id)


def pending_intake_link(*, client: Client) -> IntakeLink | None:
    return (
        IntakeLink.objects.filter(
            practice=client.practice, client=client, completed_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


# --- The client's timeline (clients/timeline.py) ----------------------------------------------


def intake_timeline(query) -> list:
    """The client's intake versions, newest first: one query. What the versions say is not shown
    here (it is read, and audited, on the intake's own page)."""
    versions = query.past(
        IntakeVersion.objects.filter(practice=query.practice, client=query.client).select_related("created_by"),
        "created_at",
    )
    return [
        Entry(
            when=version.created_at,
            title=f"Intake version {version.number}",
            detail=(
                "Filled in by the client through their link"
                if version.source == IntakeVersion.Source.CLIENT_LINK
                else f"Recorded by {version.created_by or 'staff'}"
            ),
            status="Consent signed" if version.consent_to_treatment else "No consent to treatment",
            tone="success" if version.consent_to_treatment else "warning",
            url=reverse(
                "clients:intake-version",
                kwargs={"practice_slug": query.practice.slug, "client_id": query.client.pk, "version_id": version.pk},
            ),
        )
        for version in versions
    ]
