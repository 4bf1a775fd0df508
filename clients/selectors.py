"""Reads for clients and their intake. Call inside the practice's scope; lookups by id name the
practice too, so another practice's client is 'not found' (404), never shown."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Client, IntakeLink, IntakeVersion, digits_of
from practice.models import Practice

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


def client_search(*, practice: Practice, query: str = "", segment: str = "active"):
    """Clients matching `query` (name, preferred name, email or phone, any part, any case) in a
    segment: active, new (created in the last 30 days), lapsed (active, last visit longer ago than
    REBOOK_LAPSED_AFTER_DAYS), archived, or all."""
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
        matches = Q(search_text__icontains=term)
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 3 and digits != term:  # a phone number typed with separators
            matches |= Q(search_text__icontains=digits)
        clients = clients.filter(matches)
    return clients.order_by("last_name", "first_name")


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
