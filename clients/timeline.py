"""The client's timeline: everything that happened to a client, and what is coming, as one list on
their page. Visits, notes, plans, messages, calls, releases, reports and referrals live in the layers
above; each registers a source here in its AppConfig.ready (this layer names none of them). A source
names the permission it needs: a role without it sees neither its entries nor its filter, and a
therapist kept to their own clients (clients.record_access) sees no kind that needs a record
permission for a client they have not seen.

A source is read in a bounded number of queries whatever the client's history: it returns the
upcoming entries (soonest first) and one page of the past (newest first, older than a cursor), each
at most `limit + 1`, and this module merges them. Paging is by time (keyset), so a page costs the same
at the start of a long history and at its end; a page ends only between two different times, so
entries of the same moment (a cancelled visit and the one booked in its place) are never split."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from django.db.models import Q

from clients.record_access import record_access
from practice.permissions import CLIENT_RECORD_PERMISSIONS

PAGE_SIZE = 30
UPCOMING_LIMIT = 20


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    style: str = "outline-secondary"  # the button's Bootstrap style


@dataclass(frozen=True)
class Entry:
    """One line of the timeline, in the shape every source returns."""

    when: datetime
    title: str
    detail: str = ""
    status: str = ""  # a short label, e.g. "Completed", "Sent"
    tone: str = "secondary"  # the status badge's colour: primary, success, info, warning, danger, secondary
    url: str = ""
    actions: tuple[Action, ...] = ()
    all_day: bool = False  # a date without a time (a plan's start, a referral made on a day)
    kind: str = ""  # the source's kind and label: set when the timeline is merged
    kind_label: str = ""


@dataclass(frozen=True)
class TimelineQuery:
    """What a source is asked for: the client's entries around `now` that `membership` may see.
    `before` is the cursor of a later page (the past older than it; no upcoming entries then).
    `reads_record`: whether the member may read this client's health record (clients.record_access)."""

    practice: object
    client: object
    membership: object
    now: datetime
    before: datetime | None = None
    limit: int = PAGE_SIZE
    reads_record: bool = True

    @property
    def wants_upcoming(self) -> bool:
        return self.before is None

    def may(self, permission: str) -> bool:
        return may_see(self.membership, permission, reads_record=self.reads_record)

    def upcoming(self, rows, field_name: str, *, days: bool = False):
        """`rows` after now, soonest first, at most one more than the page shows (none on a later
        page). `days`: the field is a date (compared in the practice's zone)."""
        if not self.wants_upcoming:
            return rows.none()
        now = self._bound(self.now, days)
        return rows.filter(**{f"{field_name}__gt": now}).order_by(field_name)[: UPCOMING_LIMIT + 1]

    def past(self, rows, field_name: str, *, days: bool = False):
        """`rows` up to now and older than the cursor, newest first, at most one more than a page.
        A date field takes the cursor's whole day (the merge drops what is not older than it)."""
        bound = Q(**{f"{field_name}__lte": self._bound(self.now, days)})
        if self.before is not None:
            bound &= Q(**{f"{field_name}__{'lte' if days else 'lt'}": self._bound(self.before, days)})
        return rows.filter(bound).order_by(f"-{field_name}")[: self.limit + 1]

    def around(self, rows, field_name: str, *, days: bool = False) -> list:
        """The upcoming and the past of `rows`: two bounded queries (one on a later page)."""
        return [*self.upcoming(rows, field_name, days=days), *self.past(rows, field_name, days=days)]

    def _bound(self, moment: datetime, days: bool):
        return moment.astimezone(self.practice.zone).date() if days else moment

    def day_start(self, day: date) -> datetime:
        """A date as a time to sort by: the start of that day in the practice's zone."""
        return datetime.combine(day, time.min, tzinfo=self.practice.zone)


@dataclass(frozen=True)
class TimelineSource:
    kind: str  # the filter's value, e.g. "visits"
    label: str  # the filter's label, e.g. "Visits"
    entry_label: str  # one entry's badge, e.g. "Visit"
    permission: str
    fetch: Callable[[TimelineQuery], Iterable[Entry]]
    position: int
    audited: bool = False  # health information: showing its entries is recorded in the audit log


TIMELINE_SOURCES: list[TimelineSource] = []


def register_timeline_source(
    kind: str, label: str, permission: str, fetch, *, entry_label: str, position: int, audited: bool = False
) -> None:
    """Add a source (once per kind) from an AppConfig.ready. `fetch(query)` returns its entries."""
    if any(source.kind == kind for source in TIMELINE_SOURCES):
        raise ValueError(f"The timeline already has a source of kind {kind!r}.")
    TIMELINE_SOURCES.append(TimelineSource(kind, label, entry_label, permission, fetch, position, audited))
    TIMELINE_SOURCES.sort(key=lambda source: source.position)


def may_see(membership, permission: str, *, reads_record: bool = True) -> bool:
    """The role holds `permission`, and when it is a record permission, the member reads the record."""
    return membership.has_perm(permission) and (reads_record or permission not in CLIENT_RECORD_PERMISSIONS)


def visible_sources(membership, *, reads_record: bool = True) -> list[TimelineSource]:
    """The sources `membership` may read, in their order: what the filter offers. `reads_record`:
    whether the member may read this client's health record (clients.record_access)."""
    return [source for source in TIMELINE_SOURCES if may_see(membership, source.permission, reads_record=reads_record)]


@dataclass
class Timeline:
    upcoming: list[Entry] = field(default_factory=list)
    past: list[Entry] = field(default_factory=list)
    more_upcoming: bool = False
    older_than: datetime | None = None  # the cursor of the next page, when there is one
    audited_kinds: set[str] = field(default_factory=set)  # kinds of health information on the page


def client_timeline(
    *,
    practice,
    client,
    membership,
    now: datetime,
    kind: str = "",
    before: datetime | None = None,
    reads_record: bool | None = None,
) -> Timeline:
    """The client's timeline as `membership` may see it: every source it may read (or only `kind`,
    when that is one of them). Upcoming entries only on the first page. `reads_record` as
    clients.record_access answers it (asked here when not given)."""
    if reads_record is None:
        reads_record = record_access(membership, client).readable
    query = TimelineQuery(
        practice=practice, client=client, membership=membership, now=now, before=before, reads_record=reads_record
    )
    sources = [
        source for source in visible_sources(membership, reads_record=reads_record) if not kind or source.kind == kind
    ]
    upcoming, past, audited = [], [], {source.kind for source in sources if source.audited}
    for source in sources:
        for entry in source.fetch(query):
            entry = replace(entry, kind=source.kind, kind_label=source.entry_label)
            if entry.when > now:
                if query.wants_upcoming:
                    upcoming.append(entry)
            elif before is None or entry.when < before:
                past.append(entry)
    upcoming.sort(key=lambda entry: entry.when)
    past.sort(key=lambda entry: entry.when, reverse=True)
    page = past[: query.limit]
    while len(past) > len(page) and past[len(page)].when == page[-1].when:
        page.append(past[len(page)])  # a page never ends between two entries of the same moment
    shown = {entry.kind for entry in upcoming[:UPCOMING_LIMIT] + page}
    return Timeline(
        upcoming=upcoming[:UPCOMING_LIMIT],
        past=page,
        more_upcoming=len(upcoming) > UPCOMING_LIMIT,
        older_than=page[-1].when if len(past) > query.limit else None,
        audited_kinds=audited & shown,
    )
