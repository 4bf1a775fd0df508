"""Synthetic clients with intakes for the demo practices (see practice/demo.py). Invented names,
reserved .example addresses, 555-01xx phone numbers."""

import random
from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from clients.models import BODY_AREAS, Client, IntakeVersion
from clients.services import intake_record
from practice.models import Practice

FIRST_NAMES = [
    "Avery",
    "Blair",
    "Casey",
    "Devon",
    "Ellis",
    "Frankie",
    "Gale",
    "Harper",
    "Indra",
    "Jules",
    "Kai",
    "Linden",
    "Morgan",
    "Noor",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Tatum",
]
LAST_NAMES = [
    "Abernathy",
    "Birchwood",
    "Castellan",
    "Dunmore",
    "Everly",
    "Fairbanks",
    "Greythorn",
    "Hollis",
    "Ivers",
    "Juniper",
    "Kestrel",
    "Lockridge",
    "Merriweather",
    "Northcott",
    "Oldfield",
]
ALERTS = ["Latex allergy", "Unscented oil only", "Uses a cane: help on and off the table"]
GOALS = [
    "Less stiffness at the desk",
    "Sleep better",
    "Recover from half-marathon training",
    "Keep my shoulders loose for climbing",
    "Ease tension headaches",
]
CLIENTS_PER_PRACTICE = 24
Caution = IntakeVersion.Caution


def seed_practice(practice: Practice) -> None:
    """Invented clients for a demo practice, once: most with an intake, some with two versions."""
    domain = practice.email.partition("@")[2] or "demo.example"
    rng = random.Random(practice.slug)  # the same invented clients on every run
    with scope(practice=practice):
        if Client.objects.filter(practice=practice).exists():
            return
        for n in range(CLIENTS_PER_PRACTICE):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}{n}@clients.{domain}".lower()
            client = Client.objects.create(
                practice=practice,
                first_name=first,
                last_name=last,
                email=email,
                confirmed_email=email,  # the demo's clients have used their links
                phone=f"+160355501{n:02d}",
                first_massage=n % 5 == 0,
                heard_via=rng.choice(Client.HeardVia.values[:-1]),
                alerts=ALERTS[n // 8] if n % 8 == 3 else "",
            )
            if n < 18:
                _seed_intake(client, rng, versions=2 if n % 4 == 1 else 1, avoids_shoulders=n == 1)
            # Clients joined over the past year (the streams report and the "new" filter show it).
            Client.objects.filter(pk=client.pk).update(created_at=timezone.now() - timedelta(days=rng.randint(0, 330)))


def _seed_intake(client: Client, rng: random.Random, *, versions: int, avoids_shoulders: bool = False) -> None:
    areas = [key for key, _ in BODY_AREAS]
    focus = rng.sample(areas, 2)
    answers = {
        "cautions": rng.sample(
            [Caution.HIGH_BLOOD_PRESSURE, Caution.ALLERGIES, Caution.RECENT_SURGERY_OR_INJURY], k=rng.randint(0, 1)
        ),
        "caution_details": "",
        "pain_ratings": {area: rng.randint(2, 8) for area in focus},
        "reason_for_visit": "Tight shoulders and neck",
        "goals": rng.choice(GOALS),
        "pressure": rng.choice(IntakeVersion.Pressure.values),
        "focus_areas": focus,
        "avoid_areas": [rng.choice([a for a in areas if a not in focus])],
        "area_notes": "",
        "conversation": rng.choice(IntakeVersion.Conversation.values),
        "comfort_notes": "",
        "consent_to_treatment": True,
        "signature_name": client.full_name,
        "reminder_channel": IntakeVersion.ReminderChannel.EMAIL,
        "followup_consent": True,
        "marketing_email": rng.random() < 0.6,
        "marketing_sms": False,
    }
    if avoids_shoulders:  # the demo's notes work the shoulders: the owner's figures have one to count
        answers["avoid_areas"] = ["shoulders"]
        answers["focus_areas"] = [area for area in focus if area != "shoulders"] or ["lower_back"]
    if Caution.ALLERGIES in answers["cautions"]:
        answers["caution_details"] = "Allergic to almond oil"
    intake_record(client=client, source=IntakeVersion.Source.CLIENT_LINK, answers=answers)
    if versions > 1:
        firmer = {"light": "medium", "medium": "firm", "firm": "deep", "deep": "deep"}[answers["pressure"]]
        intake_record(
            client=client,
            source=IntakeVersion.Source.STAFF,
            answers={**answers, "pressure": firmer, "pain_ratings": {focus[0]: 3}},
        )
