"""The consent ledger: who agreed to hear from the practice, on which channel, for which purpose.

Keyed like an email service's suppression list, by (practice, channel, address, purpose), so it
needs nothing above practice. The intake writes consents through consent_record; the dispatcher
asks has_consent again at send time."""

from practice.models import Practice

from .models import Channel, ConsentEvent, Purpose


def normalise_address(channel: str, address: str) -> str:
    """One spelling per address, so 'Ann@X.example ' and 'ann@x.example' are the same person."""
    address = (address or "").strip()
    return address.lower() if channel == Channel.EMAIL else address


def consent_record(
    *,
    practice: Practice,
    channel: str,
    address: str,
    purpose: str,
    granted: bool,
    source: str,
    note: str = "",
    client_ref=None,
    actor=None,
    ip_address=None,
) -> ConsentEvent:
    """Append a consent given (granted=True) or withdrawn to the ledger. Call inside the practice
    scope. Recording the state it already has adds nothing, so a replayed unsubscribe is harmless."""
    address = normalise_address(channel, address)
    current = consent_current(practice=practice, channel=channel, address=address, purpose=purpose)
    if current is not None and current.granted == granted:
        return current
    return ConsentEvent.objects.create(
        practice=practice,
        channel=channel,
        address=address,
        purpose=purpose,
        granted=granted,
        source=source,
        note=note[:300],
        client_ref=client_ref,
        actor=actor,
        ip_address=ip_address,
    )


def consent_current(*, practice: Practice, channel: str, address: str, purpose: str) -> ConsentEvent | None:
    """The latest ledger entry for this key, or None when consent was never asked."""
    return (
        ConsentEvent.objects.filter(
            practice=practice, channel=channel, address=normalise_address(channel, address), purpose=purpose
        )
        .order_by("-at")
        .first()
    )


def has_consent(*, practice: Practice, channel: str, address: str, purpose: str) -> bool:
    """True when a message for `purpose` may go to `address`: service messages always, anything
    else only with consent given and not withdrawn since."""
    if not Purpose(purpose).needs_consent:
        return True
    current = consent_current(practice=practice, channel=channel, address=address, purpose=purpose)
    return current is not None and current.granted
