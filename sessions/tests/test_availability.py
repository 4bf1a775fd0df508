"""Open slots honour hours and breaks, time off, buffers, rooms and bookings, in the practice's
zone, across daylight-saving changes and in far-away zones."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django_scopes import scope

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.availability import open_slots
from sessions.models import Appointment, Room, TimeOff
from sessions.tests.factories import ServiceFactory, weekly_hours

MONDAY = date(2026, 12, 7)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def setup(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        yield {"practice": practice, "therapist": therapist, "service": ServiceFactory(practice=practice)}


def _starts(slots, zone):
    return [slot.starts_at.astimezone(zone).strftime("%H:%M") for slot in slots]


def _slots(setup, day=MONDAY, **kwargs):
    return open_slots(
        practice=setup["practice"],
        service=setup["service"],
        start=day,
        end=day,
        therapist_id=setup["therapist"].pk,
        not_before=LONG_AGO,
        **kwargs,
    )


def _book(setup, local_start: datetime, **fields):
    service = setup["service"]
    starts = local_start.replace(tzinfo=setup["practice"].zone)
    ends = starts + timedelta(minutes=service.duration_minutes)
    return Appointment.objects.create(
        practice=setup["practice"],
        client=ClientFactory(practice=setup["practice"]),
        therapist=fields.pop("therapist", setup["therapist"]),
        service=service,
        starts_at=starts,
        ends_at=ends,
        blocked_until=ends + timedelta(minutes=service.buffer_after_minutes),
        **fields,
    )


def test_hours_and_the_lunch_break(setup):
    starts = _starts(_slots(setup), setup["practice"].zone)
    assert starts[0] == "09:00" and starts[-1] == "16:00"
    assert "11:30" in starts and "11:45" not in starts  # 60 minutes must end by 12:30
    assert not [s for s in starts if "12:00" <= s < "13:30"]
    assert len(starts) == 11 + 11


def test_bookings_block_their_time_plus_the_buffer(setup):
    _book(setup, datetime(2026, 12, 7, 10, 0))
    morning = [s for s in _starts(_slots(setup), setup["practice"].zone) if s < "12:30"]
    assert morning == ["11:15", "11:30"]  # a new visit plus its buffer may not touch 10:00-11:15


def test_cancelled_bookings_free_their_time(setup):
    _book(setup, datetime(2026, 12, 7, 10, 0), status=Appointment.Status.CANCELLED)
    assert "10:00" in _starts(_slots(setup), setup["practice"].zone)


def test_time_off(setup):
    zone = setup["practice"].zone
    TimeOff.objects.create(
        practice=setup["practice"],
        therapist=setup["therapist"],
        starts_at=datetime(2026, 12, 7, 13, 30, tzinfo=zone),
        ends_at=datetime(2026, 12, 7, 15, tzinfo=zone),
    )
    afternoon = [s for s in _starts(_slots(setup), zone) if s >= "13:30"]
    assert afternoon == ["15:00", "15:15", "15:30", "15:45", "16:00"]


def test_rooms_must_be_free_too(setup, practice):
    colleague = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    room = Room.objects.create(practice=practice, name="Garden room")
    _book(setup, datetime(2026, 12, 7, 10, 0), therapist=colleague, room=room)
    slots = _slots(setup)
    assert "10:00" not in _starts(slots, practice.zone)  # the only room is in use
    assert {slot.room_id for slot in slots} == {room.pk}
    Room.objects.create(practice=practice, name="Quiet room")
    assert "10:00" in _starts(_slots(setup), practice.zone)


def test_any_therapist_merges_everyone_by_time(setup, practice):
    colleague = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    weekly_hours(practice, colleague, intervals=((time(8), time(10)),))
    slots = open_slots(practice=practice, service=setup["service"], start=MONDAY, end=MONDAY, not_before=LONG_AGO)
    assert slots[0].therapist_id == colleague.pk and _starts(slots[:1], practice.zone) == ["08:00"]
    assert {slot.therapist_id for slot in slots} == {colleague.pk, setup["therapist"].pk}
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)


def test_no_slots_in_the_past(setup):
    now = datetime(2026, 12, 7, 12, 0, tzinfo=setup["practice"].zone)
    slots = open_slots(
        practice=setup["practice"],
        service=setup["service"],
        start=MONDAY,
        end=MONDAY,
        therapist_id=setup["therapist"].pk,
        not_before=now,
    )
    assert _starts(slots, setup["practice"].zone)[0] == "13:30"


def test_spring_forward_keeps_local_hours_and_skips_the_missing_hour(setup, practice):
    zone = practice.zone  # America/New_York: clocks go from 2:00 to 3:00 on 8 March 2026
    before, change = date(2026, 3, 1), date(2026, 3, 8)
    assert _slots(setup, before)[0].starts_at.astimezone(UTC).hour == 14  # 9:00 EST
    assert _slots(setup, change)[0].starts_at.astimezone(UTC).hour == 13  # 9:00 EDT
    assert _starts(_slots(setup, change), zone)[0] == "09:00"
    weekly_hours(practice, setup["therapist"], days=[6], intervals=((time(1), time(4)),))
    night = _starts([s for s in _slots(setup, change) if s.starts_at.astimezone(zone).hour < 5], zone)
    assert not [s for s in night if s.startswith("02:")]  # 2:00-2:59 does not exist that night
    assert night[:2] == ["01:00", "01:15"] and "03:00" in night
    first = _slots(setup, change)[0]
    assert first.ends_at - first.starts_at == timedelta(hours=1)  # an hour is an hour across the gap


def test_fall_back_keeps_local_hours(setup, practice):
    change, after = date(2026, 11, 1), date(2026, 11, 8)
    assert _slots(setup, change)[0].starts_at.astimezone(UTC).hour == 14  # 9:00 EST again
    assert _starts(_slots(setup, after), practice.zone)[0] == "09:00"
    assert len(_slots(setup, change)) == len(_slots(setup, after))


def test_a_practice_in_a_far_time_zone(setup, practice):
    practice.time_zone = "Asia/Kathmandu"  # UTC+5:45
    practice.save()
    slots = _slots(setup)
    assert slots[0].starts_at.astimezone(UTC) == datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
    booked_local = datetime(2026, 12, 7, 9, 0)  # 03:15 UTC, still "Monday 9:00" for the practice
    _book(setup, booked_local)
    assert "09:00" not in _starts(_slots(setup), practice.zone)


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_a_days_starts_are_the_wall_clock_times_that_exist_that_day(zone_name):
    """The arithmetic kept for days whose clock does not change gives the same starts as converting
    each wall-clock time, every day of a year (Lord Howe moves its clock by half an hour)."""
    from zoneinfo import ZoneInfo

    from sessions.availability import _existing, _starts

    zone = ZoneInfo(zone_name)
    opens, closes, step, duration = time(0, 30), time(23, 0), 15 * 60, 60 * 60
    for offset in range(365):
        day = date(2026, 1, 1) + timedelta(days=offset)
        expected = []
        wall = datetime.combine(day, opens)
        while wall.time() >= opens and wall < datetime.combine(day, closes):
            aware = _existing(wall, zone)
            if aware and aware.timestamp() + duration <= datetime.combine(day, closes, zone).timestamp():
                expected.append(aware.timestamp())
            wall += timedelta(seconds=step)
        assert _starts(day, opens, closes, zone, step, duration) == expected, day
