from datetime import datetime, time, timedelta

import factory

from sessions.models import Appointment, Service, WorkingHours


class ServiceFactory(factory.django.DjangoModelFactory):
    """Create inside the practice's scope (or scopes_disabled)."""

    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Massage {n}")
    duration_minutes = 60
    buffer_after_minutes = 15
    price = 90


def weekly_hours(practice, therapist, days=range(7), intervals=((time(9), time(12, 30)), (time(13, 30), time(17)))):
    """Working hours with a lunch break on the given weekdays."""
    return [
        WorkingHours.objects.create(practice=practice, therapist=therapist, weekday=day, starts=opens, ends=closes)
        for day in days
        for opens, closes in intervals
    ]


def visit_row(
    *, practice, client, therapist, service, starts_at: datetime, status="completed", **fields
) -> Appointment:
    """An unsaved appointment of `service` at `starts_at` (its end and blocked time as the booking
    service sets them), for bulk_create when a test or the bench needs many."""
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    return Appointment(
        practice=practice,
        client=client,
        therapist=therapist,
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=service.buffer_after_minutes),
        status=status,
        **fields,
    )
