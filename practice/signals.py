"""Events of the bottom layer that layers above act on, so practice imports nothing above it."""

from django.dispatch import Signal

# Sent inside the transaction that creates the invitation, with `invitation` and `accept_url`.
# The outbox app turns it into a message (outbox/receivers.py).
invitation_created = Signal()
