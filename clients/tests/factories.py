import factory

from clients.models import Client


class ClientFactory(factory.django.DjangoModelFactory):
    """Create inside the practice's scope (or scopes_disabled)."""

    class Meta:
        model = Client

    first_name = factory.Sequence(lambda n: f"Client{n}")
    last_name = "Example"
    email = factory.Sequence(lambda n: f"client{n}@clients.example")
    # A client who has shown the address is theirs; tests of confirmation pass confirmed_email="".
    confirmed_email = factory.SelfAttribute("email")
    phone = factory.Sequence(lambda n: f"+1603555{n:04d}")  # stored in E.164


def intake_answers(**overrides) -> dict:
    """A complete, valid set of intake answers (IntakeVersion fields)."""
    answers = {
        "cautions": [],
        "caution_details": "",
        "pain_ratings": {"neck": 6},
        "reason_for_visit": "Stiff neck",
        "goals": "Turn my head freely",
        "pressure": "medium",
        "focus_areas": ["neck"],
        "avoid_areas": ["feet"],
        "area_notes": "",
        "conversation": "quiet",
        "comfort_notes": "",
        "consent_to_treatment": True,
        "signature_name": "Client Example",
        "reminder_channel": "email",
        "followup_consent": True,
        "marketing_email": False,
        "marketing_sms": False,
    }
    return {**answers, **overrides}


def intake_post(**overrides) -> dict:
    """The same answers as the intake form posts them."""
    post = {
        "reason_for_visit": "Stiff neck",
        "goals": "Turn my head freely",
        "pressure": "medium",
        "focus_areas": ["neck"],
        "avoid_areas": ["feet"],
        "conversation": "quiet",
        "pain_neck": "6",
        "consent_to_treatment": "on",
        "signature_name": "Client Example",
        "reminder_channel": "email",
        "followup_consent": "on",
    }
    return {**post, **overrides}
