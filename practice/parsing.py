"""Reading a date, a time or an id a request carries outside a form (a slot button, ?date= on the
calendar, a date box beside a list, a dragged visit's id): what cannot be read is None, never an
exception, so the view can say so."""

import uuid
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

LONGEST = 40  # an ISO 8601 date and time with offset is 32 characters
YEARS = range(1900, 2201)  # nobody means a visit in year 1 or 9999 (and date arithmetic overflows there)


def read_datetime(value: str) -> datetime | None:
    """An aware datetime, or None for anything else: empty, malformed, impossible (30 February,
    year 0) or without an offset."""
    try:
        parsed = parse_datetime((value or "")[:LONGEST])
    except ValueError:  # well formed but impossible
        return None
    return parsed if parsed is not None and timezone.is_aware(parsed) and parsed.year in YEARS else None


def read_local_datetime(value: str, zone) -> datetime | None:
    """A wall-clock time without an offset ("2030-12-09T10:15") in `zone`, or None."""
    try:
        parsed = parse_datetime((value or "")[:LONGEST])
    except ValueError:
        return None
    if parsed is None or timezone.is_aware(parsed) or parsed.year not in YEARS:
        return None
    return parsed.replace(tzinfo=zone)


def read_date(value: str) -> date | None:
    try:
        parsed = parse_date((value or "")[:LONGEST])
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.year in YEARS else None


def read_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)[:LONGEST])
    except ValueError:
        return None
