"""The options the checkout screen offers: computed from the visit, the therapist's advice and
the calendar, each one bookable as shown."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from .availability import STEP_MINUTES, Slot, open_slots
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
    near = open_slots(
        practice=practice,
        service=service,
        therapist_id=visit.therapist_id,
        start=target.date(),
        end=target.date() + timedelta(days=21),
        between=_around(local),
        limit=NEAR_SLOTS_NEEDED,
    )
    same_time = next((slot for slot in near if slot.starts_at == target), None)
    usual = [slot for slot in near if slot != same_time][:3]
    return CheckoutOptions(interval, advised_days is not None, source, service, same_time, target, usual)


# Every start of the first day's window (so the same time is among them when it is free), and three.
NEAR_SLOTS_NEEDED = 2 * USUAL_TIME_WINDOW // timedelta(minutes=STEP_MINUTES) + 1 + 3


def _around(usual: datetime) -> tuple[time, time]:
    """The local times of day within USUAL_TIME_WINDOW of the usual one (not past midnight)."""
    day = usual.replace(tzinfo=None)
    earliest = max(day - USUAL_TIME_WINDOW, datetime.combine(day.date(), time.min))
    latest = min(day + USUAL_TIME_WINDOW, datetime.combine(day.date(), time.max))
    return earliest.time(), latest.time()
