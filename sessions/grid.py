"""Reads for the calendar grids: a day with a column per therapist or per room, and a therapist's
week with a column per day. Rows are 15 minutes of wall-clock time in the practice's zone; each
column carries its visits (blocks), its working hours (shaded) and time off (greyed), and the free
times a booking can start from (cells). A grid costs a fixed number of queries, however many
visits the practice has had: people with their hours and time off in one, services in one, the
window's visits with their clients in one (rooms in one more for the room view)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

from clients.models import Client
from practice.models import Practice, User

from .availability import Busy, bookable_people
from .models import Appointment, Room, Service, TimeOff, WorkingHours, overlapping

ROW_MINUTES = 15
EARLIEST, LATEST = time(7), time(21)  # the least a grid shows; working hours outside it widen it


@dataclass(frozen=True)
class Block:
    """One visit on a grid, ready to print: what the page shows and nothing more."""

    id: object
    classes: str  # status, grid row and span
    time: str
    client: str
    alert: str
    service: str
    status: str  # the status's label
    movable: bool  # only a booked visit can be moved


@dataclass(frozen=True)
class Band:
    """A stretch of a column: working hours ("open") or time off ("off")."""

    classes: str
    label: str


@dataclass(frozen=True)
class Cell:
    """A free time a booking can start at: its grid row and local start ("2030-12-09T10:15")."""

    row: int
    at: str
    label: str  # "10:15"


@dataclass
class Column:
    key: str
    label: str
    day: date
    therapist_id: int | None = None
    blocks: list[Block] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    hours: list[tuple[time, time]] = field(default_factory=list)  # working intervals, local
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)  # visits (with buffer) and time off


@dataclass(frozen=True)
class Grid:
    first: time  # the local time of row 1
    rows: int
    columns: list[Column]
    hours: list[tuple[str, int]]  # hour labels and their rows
    now: tuple[int, int] | None  # the current time's row and minutes into it, on a grid that shows today
    has_rooms: bool  # the practice has active rooms (a room view to offer)

    @property
    def first_label(self) -> str:
        return f"{self.first:%H:%M}"


def day_by_therapist(*, practice: Practice, day: date) -> Grid:
    """The day with a column per person who takes appointments."""
    start, end = _bounds(practice, day, day)
    people = _people_with_hours(practice, start, end, weekday=day.weekday())
    columns = {
        person.pk: Column(key=str(person.pk), label=str(person), day=day, therapist_id=person.pk) for person in people
    }
    visits = _visits(practice, start, end)
    former = {visit["therapist_id"] for visit in visits} - columns.keys()  # bookings left by people who have gone
    for person in User.objects.filter(pk__in=former) if former else ():
        columns[person.pk] = Column(key=str(person.pk), label=str(person), day=day, therapist_id=person.pk)
    frame = _frame([(starts, ends) for person in people for _, starts, ends in person.day_hours])
    for person in people:
        _shade(columns[person.pk], frame, person.day_hours, person.day_off, practice)
    names = _names(practice)
    _place(frame, practice, names, visits, lambda visit: columns[visit["therapist_id"]], columns.values())
    return frame.grid(practice, names, list(columns.values()), days=[day])


def day_by_room(*, practice: Practice, day: date) -> Grid:
    """The day with a column per active room (and one for visits without a room, if any)."""
    start, end = _bounds(practice, day, day)
    names = _names(practice)
    columns = {pk: Column(key=str(pk), label=name, day=day) for pk, name in names.rooms}
    visits = _visits(practice, start, end)
    if any(visit["room_id"] not in columns for visit in visits):
        columns[None] = Column(key="none", label="No room", day=day)
    frame = _frame([])
    _place(frame, practice, names, visits, lambda visit: columns.get(visit["room_id"], columns.get(None)), [])
    return frame.grid(practice, names, list(columns.values()), days=[day])


def week_of_therapist(*, practice: Practice, monday: date, choose) -> tuple[list[User], User | None, Grid | None]:
    """The people who take appointments, the one `choose(people)` picks, and that person's week
    with a column per day (None when nobody takes appointments)."""
    last = monday + timedelta(days=6)
    start, end = _bounds(practice, monday, last)
    people = _people_with_hours(practice, start, end)
    chosen = choose(people)
    if chosen is None:
        return people, None, None
    days = [monday + timedelta(days=offset) for offset in range(7)]
    columns = {
        day: Column(key=day.isoformat(), label=f"{day:%a %-d %b}", day=day, therapist_id=chosen.pk) for day in days
    }
    frame = _frame([(starts, ends) for _, starts, ends in chosen.day_hours])
    for day in days:
        hours = [hours for hours in chosen.day_hours if hours[0] == day.weekday()]
        _shade(columns[day], frame, hours, chosen.day_off, practice)
    visits = _visits(practice, start, end, therapist_id=chosen.pk)
    names = _names(practice)
    _place(
        frame,
        practice,
        names,
        visits,
        lambda visit: columns.get(timezone.localtime(visit["starts_at"], practice.zone).date()),
        columns.values(),
    )
    return people, chosen, frame.grid(practice, names, list(columns.values()), days=days)


# --- Reads ----------------------------------------------------------------------------------------


def _bounds(practice, first: date, last: date) -> tuple[datetime, datetime]:
    zone = practice.zone
    return (
        datetime.combine(first, time.min).replace(tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min).replace(tzinfo=zone),
    )


def _people_with_hours(practice, start, end, *, weekday=None) -> list[User]:
    """Who takes appointments, each with `day_hours` [(weekday, starts, ends)] (one weekday's, or
    all) and `day_off` [(starts_at, ends_at, reason)] overlapping [start, end): one query, each
    person's hours and time off gathered by a subquery per person."""
    hours = WorkingHours.objects.filter(practice=practice, therapist=OuterRef("pk"))
    if weekday is not None:
        hours = hours.filter(weekday=weekday)
    time_off = TimeOff.objects.filter(
        practice=practice, therapist=OuterRef("pk"), starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")
    people = (
        bookable_people(practice=practice)
        .annotate(
            hours=ArraySubquery(
                hours.order_by("weekday", "starts").values(json=JSONObject(w="weekday", s="starts", e="ends"))
            ),
            off=ArraySubquery(time_off.values(json=JSONObject(s="starts_at", e="ends_at", r="reason"))),
        )
        .only("pk", "first_name", "last_name", "email")
    )
    people = list(people)
    for person in people:
        person.day_hours = [
            (row["w"], time.fromisoformat(row["s"]), time.fromisoformat(row["e"])) for row in person.hours
        ]
        person.day_off = [
            (datetime.fromisoformat(row["s"]), datetime.fromisoformat(row["e"]), row["r"]) for row in person.off
        ]
    return people


@dataclass(frozen=True)
class _Names:
    services: dict  # id -> name
    rooms: list  # (id, name) of the active rooms, by name


def _names(practice) -> _Names:
    """The practice's service names and active rooms, in one query."""
    fields = ("kind", "id", "name")
    services = Service.objects.filter(practice=practice).annotate(kind=Value("service")).values_list(*fields)
    rooms = Room.objects.filter(practice=practice, active=True).annotate(kind=Value("room")).values_list(*fields)
    names = _Names(services={}, rooms=[])
    for kind, pk, name in sorted(services.union(rooms, all=True), key=lambda row: row[2]):
        if kind == "service":
            names.services[pk] = name
        else:
            names.rooms.append((pk, name))
    return names


def _visits(practice, start, end, *, therapist_id=None) -> list[dict]:
    """The window's visits that hold their time (one person's, or everyone's), with what a block shows."""
    visits = Appointment.objects.filter(
        overlapping(start, end, until="ends_at"), practice=practice, status__in=Appointment.ACTIVE
    )
    if therapist_id is not None:
        visits = visits.filter(therapist_id=therapist_id)
    return list(
        visits.order_by("starts_at").values(
            "id",
            "therapist_id",
            "room_id",
            "service_id",
            "status",
            "starts_at",
            "ends_at",
            "blocked_until",
            "client__preferred_name",
            "client__first_name",
            "client__last_name",
            "client__alerts",
        )
    )


# --- Layout ---------------------------------------------------------------------------------------


@dataclass
class _Frame:
    """The grid's rows: from `first` (a whole hour) for `rows` rows of 15 minutes."""

    first: time
    rows: int

    def row(self, local: datetime | time) -> int:
        """The row a local time falls in, from 1, kept inside the grid."""
        minutes = local.hour * 60 + local.minute - (self.first.hour * 60)
        return max(1, min(self.rows, minutes // ROW_MINUTES + 1))

    def span(self, starts: datetime | time, ends: datetime | time, *, ends_next_day=False) -> tuple[int, int]:
        """The first row and the number of rows from `starts` to `ends` (a row begun is a row
        taken), kept inside the grid."""
        first = self.row(starts)
        minutes = (24 * 60 if ends_next_day else _minutes(ends)) - self.first.hour * 60
        last = min(self.rows + 1, -(-minutes // ROW_MINUTES) + 1)  # the row after the end
        return first, max(1, last - first)

    def grid(self, practice, names: _Names, columns, *, days) -> Grid:
        now = None
        local_now = timezone.localtime(timezone=practice.zone)
        if local_now.date() in days:
            minutes = _minutes(local_now) - self.first.hour * 60
            if 0 <= minutes < self.rows * ROW_MINUTES:
                now = (minutes // ROW_MINUTES + 1, minutes % ROW_MINUTES)
        hours = [
            (f"{hour:02d}:00", (hour - self.first.hour) * 4 + 1)
            for hour in range(self.first.hour, self.first.hour + self.rows // 4)
        ]
        return Grid(
            first=self.first, rows=self.rows, columns=columns, hours=hours, now=now, has_rooms=bool(names.rooms)
        )


def _minutes(at: datetime | time) -> int:
    return at.hour * 60 + at.minute


def _frame(hours) -> _Frame:
    """From 07:00 to 21:00, widened to whole hours to show every working interval (starts, ends)."""
    first, last = _minutes(EARLIEST), _minutes(LATEST)
    for starts, ends in hours:
        first = min(first, _minutes(starts))
        last = max(last, _minutes(ends) if ends != time.min else 24 * 60)
    first_hour, last_hour = first // 60, min(24, -(-last // 60))
    return _Frame(first=time(first_hour), rows=(last_hour - first_hour) * 4)


def _shade(column: Column, frame: _Frame, hours, time_off, practice) -> None:
    """Working hours and the day's time off as bands; both are kept for cutting out the cells."""
    zone, day = practice.zone, column.day
    day_start = datetime.combine(day, time.min).replace(tzinfo=zone)
    day_end = datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=zone)
    for _, starts, ends in hours:
        row, span = frame.span(starts, ends)
        column.bands.append(Band(classes=f"open row-{row} span-{span}", label=""))
        column.hours.append((starts, ends))
    for starts_at, ends_at, reason in time_off:
        if starts_at >= day_end or ends_at <= day_start:
            continue
        local_starts = timezone.localtime(max(starts_at, day_start), zone)
        local_ends = timezone.localtime(min(ends_at, day_end), zone)
        row, span = frame.span(local_starts, local_ends, ends_next_day=ends_at >= day_end)
        column.bands.append(Band(classes=f"off row-{row} span-{span}", label=reason or "Time off"))
        column.busy.append((starts_at, ends_at))


def _place(frame: _Frame, practice, names: _Names, visits, column_of, columns) -> None:
    """Each visit as a block in its column; then each column's free starts as cells."""
    zone, services = practice.zone, names.services
    statuses = dict(Appointment.Status.choices)
    for visit in visits:
        column = column_of(visit)
        if column is None:  # began the day before the week shown
            continue
        local_starts = timezone.localtime(visit["starts_at"], zone)
        local_ends = timezone.localtime(visit["ends_at"], zone)
        row, span = frame.span(local_starts, local_ends, ends_next_day=local_ends.date() > column.day)
        column.blocks.append(
            Block(
                id=visit["id"],
                classes=f"{visit['status']} row-{row} span-{span}",
                time=f"{local_starts:%H:%M}",
                client=Client.name_shown(
                    visit["client__preferred_name"], visit["client__first_name"], visit["client__last_name"]
                ),
                alert=visit["client__alerts"],
                service=services[visit["service_id"]],
                status=statuses[visit["status"]],
                movable=visit["status"] == Appointment.Status.BOOKED,
            )
        )
        column.busy.append((visit["starts_at"], visit["blocked_until"]))
    now = timezone.now()
    for column in columns:
        _cut_cells(column, frame, zone, now)


def _cut_cells(column: Column, frame: _Frame, zone, now: datetime) -> None:
    """The column's free 15-minute starts within its working hours, from now on. Times are built
    by wall-clock arithmetic in the practice's zone, as working hours are."""
    busy = Busy(column.busy)
    step = timedelta(minutes=ROW_MINUTES)
    for opens, closes in column.hours:
        at = datetime.combine(column.day, opens).replace(tzinfo=zone)
        closes_at = datetime.combine(column.day, closes).replace(tzinfo=zone)
        if at < now:  # skip the times already gone, in whole steps
            at += step * -(-(now - at) // step)
        while at < closes_at:
            if not busy.overlaps(at.timestamp(), (at + step).timestamp()):
                column.cells.append(Cell(row=frame.row(at), at=f"{at:%Y-%m-%dT%H:%M}", label=f"{at:%H:%M}"))
            at += step
