"""The calendar grids' reads (sessions.grid) and the calendar's own endpoints: where blocks, bands and
free times fall; the week and room views; a move asked by the grid (moved, refused, warned, bad
input); a booking from a free time, with its warnings."""

from datetime import datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from clients.tests.factories import ClientFactory
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from sessions.grid import day_by_room, day_by_therapist, week_of_therapist
from sessions.models import Appointment, Room, TimeOff
from sessions.services import appointment_book
from sessions.tests.factories import ServiceFactory, weekly_hours

pytestmark = pytest.mark.django_db

MONDAY = datetime(2031, 3, 3).date()


def _at(practice, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute)).replace(tzinfo=practice.zone)


@pytest.fixture
def day(practice, therapist):
    """The therapist works Monday 9:00-12:30 and 13:30-17:00, is off 15:00-16:00, and sees Rowan at
    10:00 (60 minutes and a 15-minute buffer); a second therapist sees Sasha at 11:00."""
    other = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        weekly_hours(practice, other)
        service = ServiceFactory(practice=practice, name="Swedish", duration_minutes=60, buffer_after_minutes=15)
        TimeOff.objects.create(
            practice=practice,
            therapist=therapist,
            starts_at=_at(practice, MONDAY, 15),
            ends_at=_at(practice, MONDAY, 16),
            reason="Dentist",
        )
        rowan = ClientFactory(practice=practice, first_name="Rowan", last_name="Birch", alerts="Latex")
        visit = appointment_book(
            practice=practice,
            client=rowan,
            therapist=therapist,
            service=service,
            starts_at=_at(practice, MONDAY, 10),
            notify=False,
        )
        sasha = appointment_book(
            practice=practice,
            client=ClientFactory(practice=practice, first_name="Sasha", last_name="Hale"),
            therapist=other,
            service=service,
            starts_at=_at(practice, MONDAY, 11),
            notify=False,
        )
    return {"visit": visit, "sasha": sasha, "other": other, "service": service, "rowan": rowan}


def _column(grid, person):
    return next(column for column in grid.columns if column.therapist_id == person.pk)


def test_a_day_column_shades_hours_greys_time_off_and_offers_only_free_times(practice, therapist, day):
    with scope(practice=practice):
        grid = day_by_therapist(practice=practice, day=MONDAY)
    column = _column(grid, therapist)
    assert grid.first == time(7) and grid.rows == 56  # 07:00 to 21:00
    # Rows count from 07:00, four an hour: 9:00 is row 9, 13:30 row 27, 15:00 row 33.
    assert [band.classes for band in column.bands] == ["open row-9 span-14", "open row-27 span-14", "off row-33 span-4"]
    assert column.bands[-1].label == "Dentist"
    [block] = column.blocks
    assert (block.classes, block.time, block.client, block.alert) == (
        "booked row-13 span-4",
        "10:00",
        "Rowan Birch",
        "Latex",
    )
    free = [cell.label for cell in column.cells]
    assert "09:45" in free and "10:00" not in free and "11:00" not in free  # the visit and its buffer
    assert "11:15" in free and "12:15" in free and "12:30" not in free  # the lunch break
    assert "14:45" in free and "15:00" not in free and "15:45" not in free and "16:00" in free  # time off
    assert column.cells[0].at == "2031-03-03T09:00"


def test_the_week_shows_one_persons_visits_by_day_and_the_rooms_view_by_room(practice, therapist, day):
    with scope(practice=practice):
        room = Room.objects.create(practice=practice, name="Garden")
        Appointment.objects.filter(pk=day["visit"].pk).update(room=room)
        people, chosen, week = week_of_therapist(
            practice=practice, monday=MONDAY, choose=lambda people: next(p for p in people if p == therapist)
        )
        rooms = day_by_room(practice=practice, day=MONDAY)
    assert chosen == therapist and set(people) == {therapist, day["other"]}
    assert [column.label for column in week.columns][:2] == ["Mon 3 Mar", "Tue 4 Mar"]
    assert [block.client for block in week.columns[0].blocks] == ["Rowan Birch"]  # not Sasha: another person's
    assert all(not column.blocks for column in week.columns[1:])
    assert week.columns[1].cells and week.columns[1].bands[0].classes == "open row-9 span-14"
    assert [(column.label, [block.client for block in column.blocks]) for column in rooms.columns] == [
        ("Garden", ["Rowan Birch"]),
        ("No room", ["Sasha Hale"]),
    ]
    assert rooms.has_rooms and not any(column.cells for column in rooms.columns)  # no booking by room


def _move(browser, practice, visit, person, at: str, **extra):
    response = browser.post(
        reverse("sessions:calendar-move", args=[practice.slug]),
        {"appointment": str(visit.pk), "therapist": person.pk, "day": MONDAY.isoformat(), "start": at, **extra},
    )
    return response.status_code, response.json()


def test_a_move_from_the_grid_is_made_refused_or_questioned_and_says_which(
    client_for, practice, therapist, front_desk, day, other_practice
):
    browser = client_for(front_desk)
    visit, other = day["visit"], day["other"]
    assert _move(browser, practice, visit, other, "11:30") == (
        200,
        {"moved": False, "message": "Mon 3 Mar, 11:30 is no longer free with this therapist."},
    )
    status, answer = _move(browser, practice, visit, therapist, "14:00")
    assert status == 200 and answer["moved"] and "at 14:00 with" in answer["message"]
    visit.refresh_from_db()
    assert timezone.localtime(visit.starts_at, practice.zone).hour == 14
    assert _move(browser, practice, visit, therapist, "half past two")[0] == 400
    with scope(practice=other_practice):  # another practice's visit is not there at all
        outsider = ClientFactory(practice=other_practice)
    assert _move(browser, practice, outsider, therapist, "14:00")[0] == 400

    # Rowan already comes at 14:00; a second visit that day is booked, then a move next to it warns.
    with scope(practice=practice):
        second = appointment_book(
            practice=practice,
            client=day["rowan"],
            therapist=other,
            service=day["service"],
            starts_at=_at(practice, MONDAY, 9),
            notify=False,
        )
    status, answer = _move(browser, practice, second, other, "09:30")
    assert status == 200 and not answer["moved"] and answer["warnings"] and answer["confirm"]
    second.refresh_from_db()
    assert timezone.localtime(second.starts_at, practice.zone).minute == 0  # not moved before confirming
    status, answer = _move(browser, practice, second, other, "09:30", confirm=answer["confirm"])
    assert answer["moved"]


def test_booking_from_a_free_time_asks_for_the_client_warns_then_books(
    client_for, practice, therapist, front_desk, day
):
    browser = client_for(front_desk)
    url = reverse("sessions:book-at", args=[practice.slug])
    page = browser.get(url, {"therapist": therapist.pk, "at": "2031-03-03T14:00"}).content.decode()
    assert 'value="14:00"' in page and f'<option value="{therapist.pk}" selected>' in page
    fields = {"therapist": therapist.pk, "day": "2031-03-03", "start": "14:00", "service": day["service"].pk}
    refused = browser.post(url, fields)
    assert refused.status_code == 400 and "Choose the client." in refused.content.decode()
    found = browser.get(url, {"q": "Rowan"}, headers={"HX-Request": "true"}).content.decode()
    assert f'value="{day["rowan"].pk}"' in found and "Rowan Birch" in found
    warned = browser.post(url, {**fields, "client": day["rowan"].pk})  # Rowan already comes at 10:00
    page = warned.content.decode()
    assert warned.status_code == 200 and "Book anyway" in page
    with scope(practice=practice):
        assert Appointment.objects.filter(practice=practice, client=day["rowan"]).count() == 1
    confirm = page.split('name="confirm" value="')[1].split('"')[0]
    booked = browser.post(url, {**fields, "client": day["rowan"].pk, "confirm": confirm})
    assert booked.status_code == 302 and booked["Location"].endswith("?date=2031-03-03")
    with scope(practice=practice):
        assert Appointment.objects.filter(practice=practice, client=day["rowan"]).count() == 2
    taken = browser.post(url, {**fields, "client": ClientFactory(practice=practice).pk})
    assert taken.status_code == 400 and "no longer free" in taken.content.decode()
