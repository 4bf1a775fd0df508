import factory

from outbox.kinds import MessageKind
from outbox.models import OutboxMessage, Purpose


def note_kind(purpose=Purpose.TRANSACTIONAL) -> MessageKind:
    """A kind of message only the tests send (its templates are in outbox/tests/templates)."""
    return MessageKind("test_note", purpose)


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
