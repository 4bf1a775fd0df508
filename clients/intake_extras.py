"""Consents that layers above ask the client for on the self-service intake (outreach asks for
releases of information to referral partners), so that this layer imports nothing above it.

A provider registers in its AppConfig.ready: `offer(client)` lists what to ask, and
`record(client, keys, signed_name, ip_address)` records what the client ticked, inside the
transaction that saves the signed intake."""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ExtraConsent:
    key: str  # the checkbox's value
    heading: str
    text: str  # what the client agrees to, in full


@dataclass(frozen=True)
class ConsentProvider:
    offer: Callable  # (client) -> list[ExtraConsent]
    record: Callable  # (client, keys: set[str], signed_name: str, ip_address) -> None


PROVIDERS: list[ConsentProvider] = []


def extra_consents(client) -> list[ExtraConsent]:
    return [consent for provider in PROVIDERS for consent in provider.offer(client)]


def record_extra_consents(*, client, keys: set[str], signed_name: str, ip_address=None) -> None:
    """Hand each provider the ticked keys it offered (nothing else a form might post)."""
    for provider in PROVIDERS:
        offered = {consent.key for consent in provider.offer(client)} & keys
        if offered:
            provider.record(client, offered, signed_name, ip_address)
