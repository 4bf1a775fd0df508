from datetime import time

import factory

from sessions.models import Service, WorkingHours


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
