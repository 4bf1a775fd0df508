"""Events of the scheduling layer that the outreach features above it act on."""

from django.dispatch import Signal

# Sent inside the transaction that completes a visit, with `visit`. Next-day follow-ups start here.
visit_completed = Signal()

# Sent inside the transaction that cancels a visit or moves it away from its time, with `visit`
# (as it is now) and the time it held: `therapist_id`, `starts_at`, `blocked_until`. The waitlist
# offers that time to the clients waiting for one like it.
slot_freed = Signal()
