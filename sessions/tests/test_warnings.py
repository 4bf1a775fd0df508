"""Warnings before booking or moving: the same day, an overlap with another therapist, a visit
further from the client's rhythm than the plan allows; none when all is well; two queries at most."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.models import Appointment, CarePhase, SessionNote, TreatmentPlan
from sessions.tests.factories import ServiceFactory, visit_row
from sessions.warnings import booking_warnings, confirmation, confirmed, warnings_to_confirm

MONDAY = date(2030, 12, 2)  # comfortably in the future, so "too late" can still be helped


@pytest.fixture
def desk(practice, therapist):
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    other.first_name, other.last_name = "Sasha", "Other"
    other.save()
    with scope(practice=practice):
        yield {
            "practice": practice,
            "therapist": therapist,
            "other": other,
            "service": ServiceFactory(practice=practice, name="Deep tissue"),
            "client": ClientFactory(practice=practice, first_name="Oakley", last_name="Reed"),
        }


def _at(desk, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=desk["practice"].zone)


def _visit(desk, day, hour, minute=0, *, therapist=None, status="booked", **fields) -> Appointment:
    row = visit_row(
        practice=desk["practice"],
        client=desk.get("for_client", desk["client"]),
        therapist=therapist or desk["therapist"],
        service=desk["service"],
        starts_at=_at(desk, day, hour, minute),
        status=status,
        **fields,
    )
    row.save()
    return row


def _warnings(desk, day, hour, minute=0, *, therapist=None, **extra):
    starts_at = _at(desk, day, hour, minute)
    return booking_warnings(
        practice=extra.pop("practice", desk["practice"]),
        client=desk["client"],
        therapist=therapist or desk["therapist"],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        **extra,
    )


def _codes(warnings):
    return [warning.code for warning in warnings]


def test_it_finds_nothing_when_the_visit_keeps_the_rhythm(desk, django_assert_max_num_queries):
    _visit(desk, MONDAY, 10, status="completed", recommended_interval_days=7)
    _visit(desk, MONDAY + timedelta(days=7), 10, therapist=desk["other"], status="cancelled")  # does not count
    with django_assert_max_num_queries(2):
        assert _warnings(desk, MONDAY + timedelta(days=7), 10) == []
    newcomer = {**desk, "client": ClientFactory(practice=desk["practice"])}
    with django_assert_max_num_queries(1):  # a first visit: nothing to compare, no plan to read
        assert _warnings(newcomer, MONDAY, 10) == []


def test_it_warns_of_another_visit_that_day(desk):
    _visit(desk, MONDAY, 9)
    [warning] = _warnings(desk, MONDAY, 14)
    assert warning.code == "same_day"
    assert warning.message == (
        f"Oakley Reed already has a visit that day: Deep tissue Mon 2 Dec 09:00–10:00 with "
        f"{desk['therapist'].get_full_name()}."
    )


def test_it_warns_of_an_overlapping_visit_with_another_therapist(desk):
    _visit(desk, MONDAY, 10, therapist=desk["other"])
    [warning] = _warnings(desk, MONDAY, 10, 30)
    assert warning.code == "overlap"
    assert "already booked at that time" in warning.message and "Sasha Other" in warning.message


def test_an_overlap_with_the_same_therapist_is_left_to_the_booking_service(desk):
    _visit(desk, MONDAY, 10)
    assert _warnings(desk, MONDAY, 10, 30) == []  # appointment_book refuses it with the next free times


def test_it_warns_of_a_visit_too_soon_after_the_last_one(desk, django_assert_max_num_queries):
    _visit(desk, MONDAY, 10, status="completed", recommended_interval_days=14)
    with django_assert_max_num_queries(2):
        [warning] = _warnings(desk, MONDAY + timedelta(days=2), 10)
    assert warning.code == "too_soon"
    assert warning.message == (
        "Only 2 days after Oakley Reed's visit on Mon 2 Dec; the plan is every 14 days (the therapist's advice)."
    )
    assert _warnings(desk, MONDAY + timedelta(days=7), 10) == []  # half the interval either way is fine


def test_it_warns_of_a_visit_too_soon_before_the_next_one(desk):
    _visit(desk, MONDAY, 10, status="completed", recommended_interval_days=14)
    _visit(desk, MONDAY + timedelta(days=14), 10)
    [warning] = _warnings(desk, MONDAY + timedelta(days=11), 10)
    assert warning.code == "too_soon" and "Only 3 days before Oakley Reed's visit on Mon 16 Dec" in warning.message


def test_it_warns_of_a_visit_later_than_the_plan_allows(desk):
    _visit(desk, MONDAY, 10, status="completed", recommended_interval_days=7)
    assert _warnings(desk, MONDAY + timedelta(days=10), 10) == []
    [warning] = _warnings(desk, MONDAY + timedelta(days=18), 10)
    assert warning.code == "too_late"
    assert warning.message == (
        "18 days after Oakley Reed's visit on Mon 2 Dec; the plan is every 7 days (the therapist's advice), "
        "so by Thu 12 Dec at the latest."
    )


def test_a_client_who_has_lapsed_is_not_told_off_at_every_booking(desk):
    long_ago = timezone.localdate(timezone=desk["practice"].zone) - timedelta(days=200)
    _visit(desk, long_ago, 10, status="completed", recommended_interval_days=7)
    assert _warnings(desk, MONDAY, 10) == []  # no date could keep the rhythm any more


def test_the_interval_is_the_one_checkout_offers_note_then_plan_then_advice(desk):
    last = _visit(desk, MONDAY, 10, status="completed", recommended_interval_days=7)
    week_later = MONDAY + timedelta(days=7)
    assert _warnings(desk, week_later, 10) == []
    phase = CarePhase.objects.create(practice=desk["practice"], name="Maintenance")
    TreatmentPlan.objects.create(
        practice=desk["practice"], client=desk["client"], phase=phase, every_days=28, starts_on=MONDAY
    )
    [warning] = _warnings(desk, week_later, 10)
    assert warning.code == "too_soon" and "every 28 days (maintenance plan: monthly, ongoing)" in warning.message
    SessionNote.objects.create(
        practice=desk["practice"], visit=last, client=desk["client"], therapist=desk["therapist"], plan_interval_days=7
    )
    assert _warnings(desk, week_later, 10) == []


def test_the_visit_being_moved_is_not_its_own_neighbour(desk):
    moving = _visit(desk, MONDAY, 10)
    assert _codes(_warnings(desk, MONDAY, 15)) == ["same_day"]
    assert _warnings(desk, MONDAY, 15, exclude_id=moving.pk) == []


def test_it_reads_only_the_practice_it_is_given(desk, other_practice):
    _visit(desk, MONDAY, 9, status="completed", recommended_interval_days=14)
    assert _codes(_warnings(desk, MONDAY, 14)) == ["same_day"]
    with scope(practice=other_practice):
        assert _warnings(desk, MONDAY, 14, practice=other_practice) == []


def test_a_confirmation_accepts_the_warnings_shown_and_no_others(desk):
    _visit(desk, MONDAY, 9)
    shown = _warnings(desk, MONDAY, 14)
    assert confirmed([], "") and not confirmed(shown, "") and confirmed(shown, confirmation(shown))
    _visit(desk, MONDAY, 12, therapist=desk["other"])  # another desk books meanwhile
    assert not confirmed(_warnings(desk, MONDAY, 14), confirmation(shown))


def test_warnings_to_confirm_reads_the_end_from_the_service_and_drops_what_was_confirmed(desk):
    _visit(desk, MONDAY, 9)
    asked = {
        "practice": desk["practice"],
        "client": desk["client"],
        "therapist": desk["other"],
        "service": desk["service"],  # an hour: 9:30 to 10:30 overlaps the 9:00 visit
        "starts_at": _at(desk, MONDAY, 9, 30),
    }
    [warning] = warnings_to_confirm(**asked, confirm="")
    assert warning.code == "overlap"
    assert warnings_to_confirm(**asked, confirm=confirmation([warning])) == []
