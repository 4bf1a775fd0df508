"""Demo referral partners across the pipeline, with a few contacts and referred clients."""

from datetime import timedelta

from django.utils import timezone

from clients.models import Client
from practice.models import Practice

from .models import ContactEntry, Partner
from .services import ensure_questions, referral_record

PARTNERS = [
    ("Quayside Chiropractic", "Dr. Alex Marlow", "chiropractor", "active"),
    ("Harbourview Physical Therapy", "Sam Ortega", "physio", "meeting"),
    ("Northgate Family Medicine", "Dr. Priya Anand", "physician", "contacted"),
    ("Tidewater Acupuncture", "Lin Okafor", "acupuncturist", "researching"),
    ("Riverside Orthopaedics", "Dr. Jo Whitcombe", "orthopaedic", "prospect"),
    ("Summit Gym", "Casey Rowe", "gym", "active"),
    ("Lighthouse Realty", "Morgan Pike", "realtor", "paused"),
]


def seed_practice(practice: Practice) -> None:
    ensure_questions(practice)
    if Partner.objects.filter(practice=practice).exists():
        return
    today = timezone.localdate(timezone=practice.zone)
    partners = []
    for n, (organisation, contact, kind, stage) in enumerate(PARTNERS):
        email = f"office@{organisation.split()[0].lower()}.example" if stage == "active" else ""
        partner = Partner.objects.create(
            practice=practice,
            organisation=organisation,
            contact_name=contact,
            kind=kind,
            stage=stage,
            email=email,
            next_contact_on=today + timedelta(days=n * 9 - 5),
        )
        ContactEntry.objects.create(
            practice=practice,
            partner=partner,
            kind="letter",
            on=today - timedelta(days=60),
            summary="Introduction letter with our approach to care",
            materials="Case study: desk workers' neck pain",
        )
        partners.append(partner)
    clients = list(Client.objects.filter(practice=practice).order_by("created_at"))
    for n, client in enumerate(clients[:10]):
        referral_record(client=client, stream="web", partner=partners[n % 2] if n < 6 else None)
