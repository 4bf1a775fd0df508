"""Events of the bottom layer that layers above act on, so practice imports nothing above it."""

from django.dispatch import Signal

# Sent inside the transaction that creates the invitation, with `invitation` and `accept_url`.
# The outreach engine turns it into an outbox message (outreach/engine/receivers.py).
invitation_created = Signal()
