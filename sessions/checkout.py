"""The options the checkout screen offers: computed from the visit, the therapist's advice and
the calendar, each one bookable as shown."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .availability import Slot, open_slots
from .models import Appointment
from .notes import next_visit_advice

USUAL_TIME_WINDOW = timedelta(minutes=90)


@dataclass
class CheckoutOptions:
    interval_days: int
    advised: bool  # False: nobody recommended an interval, a week is assumed
    advice_source: str
    service: object
    same_time: Slot | None  # the same weekday and time at the recommended interval, when free
    same_time_at: datetime  # what "same time" means, shown even when it is taken
    usual_time: list[Slot]  # the next open slots with the same therapist near the usual time of day

    @property
    def same_time_label(self) -> str:
        if self.interval_days == 7:
            return "Same time next week"
        if self.interval_days % 7 == 0:
            return f"Same time in {self.interval_days // 7} weeks"
        return f"Same time in {self.interval_days} days"


def checkout_options(visit: Appointment) -> CheckoutOptions:
    practice = visit.practice
    zone = practice.zone
    advised_days, service, source = next_visit_advice(visit=visit)
    interval = advised_days or 7
    local = timezone.localtime(visit.starts_at, zone)
    # Same wall-clock time `interval` days later, so "same time next week" survives a DST change.
    target = datetime.combine(local.date() + timedelta(days=interval), local.time()).replace(tzinfo=zone)
    later = open_slots(
        practice=practice,
        service=service,
        therapist_id=visit.therapist_id,
        start=target.date(),
        end=target.date() + timedelta(days=21),
    )
    same_time = next((slot for slot in later if slot.starts_at == target), None)
    usual = [slot for slot in later if slot != same_time and _near(slot.starts_at.astimezone(zone), local)][:3]
    return CheckoutOptions(interval, advised_days is not None, source, service, same_time, target, usual)


def _near(candidate: datetime, usual: datetime) -> bool:
    as_today = datetime.combine(usual.date(), candidate.time()).replace(tzinfo=usual.tzinfo)
    return abs(as_today - usual) <= USUAL_TIME_WINDOW
