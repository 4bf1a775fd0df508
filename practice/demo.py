"""Synthetic demo data: two practices with their staff, then whatever each app seeds for a practice
(an app's `demo.seed_practice(practice)`, found the way Celery finds tasks, so this bottom layer
imports nothing above it). Every name is invented and every address uses the reserved .example
domain. Running it again changes nothing (idempotent)."""

from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import transaction
from django_scopes import scope

from practice.models import Membership, Practice, User

DEMO_PASSWORD = "rebook-demo-2026"
Role = Membership.Role


@dataclass(frozen=True)
class DemoPractice:
    name: str
    slug: str
    time_zone: str
    country: str
    address: str
    phone: str
    domain: str
    staff: tuple  # (first name, last name, role, mailbox)


DEMO_PRACTICES = [
    DemoPractice(
        "Harbour Light Massage",
        "harbour-light",
        "America/New_York",
        "US",
        "12 Quayside Row\nPortsmouth, NH 03801",
        "+16035550142",
        "harbour-light.example",
        (
            ("Maren", "Ostby", Role.OWNER, "owner"),
            ("Theo", "Brandvold", Role.THERAPIST, "theo"),
            ("Ines", "Calloway", Role.THERAPIST, "ines"),
            ("Dana", "Whitlow", Role.FRONT_DESK, "frontdesk"),
        ),
    ),
    DemoPractice(
        "Cedar & Stone Bodywork",
        "cedar-stone",
        "Europe/London",
        "GB",
        "4 Mill Lane\nYork YO1 7AB",
        "+441904555018",
        "cedar-stone.example",
        (
            ("Rowan", "Pellegrin", Role.OWNER, "owner"),
            ("Sami", "Varga", Role.THERAPIST, "sami"),
            ("Lior", "Ambrose", Role.THERAPIST, "lior"),
            ("Kit", "Faraday", Role.FRONT_DESK, "frontdesk"),
        ),
    ),
]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create or complete the demo data; returns (practice, role, email) for every demo login."""
    logins = []
    with transaction.atomic():
        for demo in DEMO_PRACTICES:
            practice = _practice(demo)
            for first, last, role, mailbox in demo.staff:
                user = _user(f"{mailbox}@{demo.domain}", first, last)
                Membership.objects.get_or_create(practice=practice, user=user, defaults={"role": role})
                logins.append((practice.name, role.label, user.email))
            for seed_practice in _app_seeders():
                with scope(practice=practice):
                    seed_practice(practice)
    return logins


def _app_seeders():
    for app in apps.get_app_configs():
        if app.name != "practice" and find_spec(f"{app.name}.demo") is not None:
            yield import_module(f"{app.name}.demo").seed_practice


def _practice(demo: DemoPractice) -> Practice:
    practice, _ = Practice.objects.get_or_create(
        slug=demo.slug,
        defaults={
            "name": demo.name,
            "time_zone": demo.time_zone,
            "country": demo.country,
            "address": demo.address,
            "phone": demo.phone,
            "email": f"hello@{demo.domain}",
        },
    )
    return practice


def _user(email: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first_name, last_name=last_name)
    return user
