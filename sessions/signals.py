"""Events of the scheduling layer that the outreach features above it act on."""

from django.dispatch import Signal

# Sent inside the transaction that completes a visit, with `visit`. Next-day follow-ups start here.
visit_completed = Signal()
