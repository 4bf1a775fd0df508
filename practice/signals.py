"""Events of the bottom layer that layers above act on, so practice imports nothing above it."""

from django.dispatch import Signal

# Sent inside the transaction that creates the invitation, with `invitation` and `accept_url`.
# The outbox app turns it into a message (outbox/receivers.py).
invitation_created = Signal()

# Sent after a sign-in from a browser the person had not used before commits, with `user`,
# `practice` (whose outbox carries the mail), `known_browser`, `when`, `browser` and `ip_address`.
# The outbox app emails the person "was this you?" (outbox/receivers.py).
new_browser_signed_in = Signal()
