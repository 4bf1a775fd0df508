"""Synthetic clients for the demo practices (see practice/demo.py)."""

import random

from django_scopes import scope

from clients.models import Client
from practice.models import Practice

FIRST_NAMES = ["Avery", "Blair", "Casey", "Devon", "Ellis", "Frankie", "Gale", "Harper", "Indra", "Jules",
               "Kai", "Linden", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Tatum"]
LAST_NAMES = ["Abernathy", "Birchwood", "Castellan", "Dunmore", "Everly", "Fairbanks", "Greythorn", "Hollis",
              "Ivers", "Juniper", "Kestrel", "Lockridge", "Merriweather", "Northcott", "Oldfield"]
CLIENTS_PER_PRACTICE = 24



def seed_practice(practice: Practice) -> None:
    """Invented clients for a demo practice, once."""
    domain = practice.email.partition("@")[2] or "demo.example"
    rng = random.Random(practice.slug)  # the same invented clients on every run
    with scope(practice=practice):
        if Client.objects.filter(practice=practice).exists():
            return
        Client.objects.bulk_create(
            Client(practice=practice, first_name=first, last_name=last,
                   email=f"{first}.{last}{n}@clients.{domain}".lower(),
                   phone=f"+1 555 01{n:02d}")
            for n, (first, last) in enumerate(
                (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(CLIENTS_PER_PRACTICE)
            )
        )
