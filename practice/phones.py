"""Phone numbers as people type them, checked one way everywhere (clients, requests, partners,
the practice)."""

from django.core.exceptions import ValidationError


def validate_phone(value: str) -> None:
    """At least six digits and no letters: enough to call back, whatever the country's format."""
    if value and (sum(ch.isdigit() for ch in value) < 6 or any(ch.isalpha() for ch in value)):
        raise ValidationError("Enter a phone number with at least six digits, e.g. +1 603 555 0142.")
