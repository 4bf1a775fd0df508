"""iCalendar (RFC 5545) files for appointments: one UID per appointment for its whole life, a
SEQUENCE that grows with each change, times in the practice's zone with its VTIMEZONE."""

from email.utils import parseaddr

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress

from .models import Appointment

PRODID = "-//Rebook//Appointments//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.pk}@rebook"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


def _event(appointment: Appointment, summary: str, zone) -> Event:
    """The appointment as an event: its UID for life, its SEQUENCE, local times in the practice's zone."""
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", appointment.created_at)
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("summary", summary)
    return event


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params.update({"CN": name, **params})
    return address


def appointment_ics(appointment: Appointment, *, cancelled: bool = False) -> str:
    """The client's calendar file: a request (new or changed) or a cancellation. RFC 5546 wants an
    organizer (the practice) and the attendee (the client) in both."""
    practice, client = appointment.practice, appointment.client
    calendar = _calendar()
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = _event(appointment, f"{appointment.service.name} at {practice.name}", practice.zone)
    event.add("organizer", _address(practice.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1], practice.name))
    if client.email:
        event.add("attendee", _address(client.email, client.display_name, ROLE="REQ-PARTICIPANT", RSVP="FALSE"))
    event.add("location", " ".join(practice.address.split()))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def feed_ics(*, practice, appointments) -> str:
    """A therapist's subscription feed: no more of the client than first name and initial."""
    calendar = _calendar()
    calendar.add("x-wr-calname", f"{practice.name} appointments")
    for appointment in appointments:
        client = appointment.client
        name = f"{client.preferred_name or client.first_name} {client.last_name[:1]}."
        calendar.add_component(_event(appointment, f"{name} · {appointment.service.name}", practice.zone))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()
