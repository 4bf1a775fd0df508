import factory

from outreach.engine.models import OutboxMessage, Purpose


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    """Create inside the practice's scope (or scopes_disabled)."""

    class Meta:
        model = OutboxMessage

    kind = "test_note"
    purpose = Purpose.TRANSACTIONAL
    template = "test_note"
    address = factory.Sequence(lambda n: f"client{n}@clients.example")
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    context = factory.LazyFunction(lambda: {"first_name": "Avery"})
