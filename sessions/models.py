"""Services, rooms, therapists' hours and time off, and appointments.

Double booking is impossible at the database: exclusion constraints (btree_gist) forbid two active
appointments whose blocked time overlaps for the same therapist, or for the same room."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone

from clients.models import Client, area_label
from library.models import Article
from outbox.models import OutboxMessage
from practice.models import Practice, PracticeKey, TenantForeignKey, TenantModel, TenantOneToOneField

# The longest time one appointment may hold: its duration plus the buffer after it (a check
# constraint on services and on appointments). It bounds every overlap query from below, so the
# (practice, starts_at) and (practice, therapist, starts_at) indexes are range-scanned instead of
# reading the practice's whole history before the window.
LONGEST_BLOCK = timedelta(hours=12)


def overlapping(starts: datetime, ends: datetime, *, until: str = "blocked_until") -> Q:
    """Appointments whose time from `starts_at` to `until` (the blocked time, or `ends_at` for what
    the calendar shows) overlaps [starts, ends)."""
    return Q(starts_at__lt=ends, starts_at__gt=starts - LONGEST_BLOCK, **{f"{until}__gt": starts})


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Service(TenantModel):
    name = models.CharField(max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=15, help_text="Turnover time after the session.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="service_name_per_practice"),
            models.CheckConstraint(
                condition=Q(
                    duration_minutes__lte=int(LONGEST_BLOCK.total_seconds() // 60) - models.F("buffer_after_minutes")
                ),
                name="service_within_longest_block",
                violation_error_message="A service and the buffer after it can last 12 hours at most.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.duration_minutes} min)"


class Room(TenantModel):
    name = models.CharField(max_length=60)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="room_name_per_practice")]

    def __str__(self):
        return self.name


class WorkingHours(TenantModel):
    """One working interval of a therapist on a weekday, in the practice's time zone. Breaks are
    the gaps between a day's intervals (9:00-12:30 and 13:30-17:00 is a day with a lunch break)."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "starts"]
        constraints = [models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="hours_end_after_start")]

    def __str__(self):
        return f"{self.therapist} {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class TimeOff(TenantModel):
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_end_after_start")
        ]

    def __str__(self):
        return f"{self.therapist} off {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class Appointment(TenantModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    class CancelReason(models.TextChoices):
        CLIENT = "client", "Client cancelled"
        LATE = "late", "Late cancellation"
        PRACTICE = "practice", "Practice cancelled"

    ACTIVE = (Status.BOOKED, Status.ARRIVED, Status.COMPLETED)  # statuses that hold their time

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    service = TenantForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    room = TenantForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    blocked_until = models.DateTimeField(help_text="The end plus the service's buffer: the time no one else can book.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: bumped on every change sent.")
    # Until treatment plans exist (the notes issue), the therapist sets the next-visit advice here.
    recommended_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_service = TenantForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    booked_at_checkout_of = TenantForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rebookings"
    )
    # Booked by the client through the self-rebooking link of that visit (one booking per link).
    booked_by_link_of = TenantForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="self_rebookings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["practice", "starts_at"], name="appointment_practice_start"),
            # Carries status and id: the due-back list walks it backwards for each client's latest visit.
            models.Index(
                fields=["practice", "client", "starts_at"], include=["status", "id"], name="appointment_client_start"
            ),
            models.Index(fields=["practice", "therapist", "starts_at"], name="appointment_therapist_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_end_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=models.F("ends_at")), name="appointment_block_covers_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__lte=models.F("starts_at") + LONGEST_BLOCK),
                name="appointment_within_longest_block",
            ),
            ExclusionConstraint(
                name="no_double_booking_therapist",
                expressions=[
                    ("practice", RangeOperators.EQUAL),
                    ("therapist", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "arrived", "completed"]),
            ),
            ExclusionConstraint(
                name="no_double_booking_room",
                expressions=[
                    ("practice", RangeOperators.EQUAL),
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "arrived", "completed"], room__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["practice", "booked_by_link_of"],
                condition=Q(booked_by_link_of__isnull=False, status__in=["booked", "arrived", "completed"]),
                name="one_booking_per_rebooking_link",
            ),
        ]

    def __str__(self):
        return f"{self.client} with {self.therapist} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class CheckoutOutcome(TenantModel):
    """What happened at checkout of a completed visit: the next visit booked, or why not. One per visit."""

    class Reason(models.TextChoices):
        WILL_CALL = "will_call", "Will call to book"
        SCHEDULE_UNKNOWN = "schedule_unknown", "Schedule unknown"
        COST = "cost", "Cost"
        NOT_NEEDED = "not_needed", "Not needed"
        OTHER = "other", "Other"

    visit = TenantOneToOneField(Appointment, on_delete=models.CASCADE, related_name="checkout")
    booked = models.BooleanField()
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self):
        return f"Checkout of {self.visit}: {'booked' if self.booked else self.get_reason_display()}"


class CalendarFeed(TenantModel):
    """A therapist's private calendar subscription. The URL's token is stored only as a hash;
    revoking it (or making a new one) makes the old URL answer 404."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64)  # its practice is found through practice.TokenRoute
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "token_hash"], name="calendar_feed_token_unique")]

    def __str__(self):
        return f"Calendar feed of {self.therapist}"


class Technique(TenantModel):
    """The practice's own list of techniques a note can name."""

    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="technique_name_per_practice")]

    def __str__(self):
        return self.name


class CarePhase(TenantModel):
    """Phases of care (relief, corrective, maintenance, wellness by default), editable per practice."""

    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="care_phase_name_per_practice")]

    def __str__(self):
        return self.name


class TreatmentPlan(TenantModel):
    """The therapist's recommendation for a client: a phase of care, goals, and a rhythm, either
    "N sessions within D days", "every F days for N sessions" or "every F days" (open-ended)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="treatment_plans")
    phase = TenantForeignKey(CarePhase, on_delete=models.PROTECT, related_name="plans")
    goals = models.TextField(max_length=1_000, blank=True)
    sessions_planned = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many sessions; empty for open-ended maintenance."
    )
    within_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text='"4 sessions within 10 days".')
    every_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text='"Weekly" is 7, "monthly" 28.')
    service = TenantForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    starts_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(within_days__isnull=False) | Q(every_days__isnull=False), name="plan_has_a_rhythm"
            )
        ]

    def __str__(self):
        return f"{self.phase} plan for {self.client}"

    @property
    def interval_days(self) -> int:
        """The gap between visits the plan asks for: its rhythm, or a plan's days spread evenly."""
        if self.every_days:
            return self.every_days
        return max(1, self.within_days // max(1, (self.sessions_planned or 2) - 1))

    @property
    def rhythm(self) -> str:
        if self.within_days:
            return f"{self.sessions_planned} sessions within {self.within_days} days"
        every = {7: "weekly", 14: "every two weeks", 28: "monthly"}.get(
            self.every_days, f"every {self.every_days} days"
        )
        return f"{every} for {self.sessions_planned} sessions" if self.sessions_planned else f"{every}, ongoing"


class SessionNote(TenantModel):
    """The therapist's SOAP note of one visit. A draft until signed; once signed it is never
    changed (the save method refuses), and corrections are addenda."""

    class Pressure(models.TextChoices):
        LIGHT = "light", "Light"
        MEDIUM = "medium", "Medium"
        FIRM = "firm", "Firm"
        DEEP = "deep", "Deep"

    class Feedback(models.TextChoices):
        TOO_LIGHT = "too_light", "Too light"
        RIGHT = "right", "Just right"
        TOO_DEEP = "too_deep", "Too deep"

    visit = TenantOneToOneField(Appointment, on_delete=models.CASCADE, related_name="note")
    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="session_notes")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Subjective
    subjective = models.TextField(max_length=4_000, blank=True, verbose_name="what the client reports")
    pain_ratings = models.JSONField(default=dict, blank=True)
    changes_since_last = models.TextField(max_length=2_000, blank=True)
    # Objective
    tissue_quality = models.TextField(max_length=2_000, blank=True)
    trigger_points = models.TextField(max_length=2_000, blank=True)
    range_of_motion = models.TextField(max_length=2_000, blank=True)
    posture = models.TextField(max_length=2_000, blank=True)
    # Assessment
    assessment = models.TextField(max_length=4_000, blank=True, verbose_name="how the client responded")
    # Plan
    plan_focus = models.TextField(max_length=2_000, blank=True, verbose_name="focus next time")
    plan_interval_days = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name="next visit in (days)")
    home_care = models.TextField(max_length=2_000, blank=True)
    # Session details
    pressure_used = models.CharField(max_length=20, choices=Pressure.choices, blank=True)
    areas_worked = models.JSONField(default=list, blank=True)
    techniques = models.ManyToManyField(Technique, blank=True, related_name="+", through="NoteTechnique")
    # The library's articles given for home care (at most two, sessions.notes); part of the signed note.
    handouts = models.ManyToManyField(Article, blank=True, related_name="+", through="NoteHandout")
    pressure_feedback = models.CharField(
        max_length=20, choices=Feedback.choices, blank=True, verbose_name="client's feedback on pressure"
    )
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    client_summary = models.TextField(
        max_length=1_000, blank=True, help_text="Plain words the client may read in the follow-up email."
    )
    summary_approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    against_wishes = models.JSONField(
        default=list,
        blank=True,
        help_text="Set when signed: what the session did against the client's intake (sessions.wishes).",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["practice", "client", "created_at"], name="note_client_created"),
            models.Index(fields=["practice", "signed_at"], name="note_signed"),
        ]

    def __str__(self):
        return f"Note of {self.visit}"

    @property
    def areas_worked_labels(self) -> list[str]:
        return [area_label(area) for area in self.areas_worked]

    @property
    def pain_list(self) -> list[tuple[str, int]]:
        """(area label, rating) in the order the therapist rated them."""
        return [(area_label(area), rating) for area, rating in self.pain_ratings.items()]

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def save(self, *args, **kwargs):
        if not self._state.adding and SessionNote.objects.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise ValueError("A signed note is never changed; add an addendum instead.")
        super().save(*args, **kwargs)


class NoteTechnique(models.Model):
    """A technique a note names: the notes' many-to-many table, with its practice (every tenant
    table carries it; see practice.schema). Written through `note.techniques.set(...,
    through_defaults={"practice": ...})`."""

    practice = PracticeKey(Practice, on_delete=models.CASCADE, related_name="+")
    sessionnote = TenantForeignKey(SessionNote, on_delete=models.CASCADE, related_name="+")
    technique = TenantForeignKey(Technique, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "therapy_sessions_sessionnote_techniques"  # the table Django made for the field
        constraints = [
            models.UniqueConstraint(fields=["practice", "sessionnote", "technique"], name="note_technique_once")
        ]


class NoteHandout(models.Model):
    """An article of the library a note gives the client for home care: the notes' second
    many-to-many table, with its practice. An article a note carries cannot be deleted (RESTRICT:
    the library unpublishes it instead); deleting the note, or the practice, takes these rows along.
    The library reads the relation by name (`note_links`) for the client's emails and pages."""

    practice = PracticeKey(Practice, on_delete=models.CASCADE, related_name="+")
    sessionnote = TenantForeignKey(SessionNote, on_delete=models.CASCADE, related_name="+")
    article = TenantForeignKey(Article, on_delete=models.RESTRICT, related_name="note_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "sessionnote", "article"], name="note_handout_once")]


class NoteAddendum(TenantModel):
    """A correction or addition to a signed note, with its author and time. Never changed."""

    note = TenantForeignKey(SessionNote, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(
        max_length=4_000,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Addendum to {self.note} by {self.author}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An addendum is never changed; add another one.")
        super().save(*args, **kwargs)


class NoteTemplate(TenantModel):
    """A therapist's own starting point for notes: the fields a note carries over, as they set them."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(default=dict)
    technique_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "therapist"], name="one_note_template_per_therapist")
        ]

    def __str__(self):
        return f"Note template of {self.therapist}"


# --- Waitlist ------------------------------------------------------------------------------------

# An offer's link books until this long before the offered time (then the therapist should know
# who comes, and the client could hardly get there).
WAITLIST_CLAIM_CLOSES = timedelta(hours=1)

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class WaitlistEntry(TenantModel):
    """A client waiting for a time that suits better than what was free: a service, a therapist or
    anyone, the weekdays and the hours of the day that suit (local time), and the last day that is
    still worth it. A freed slot that matches is offered to them by email (WaitlistOffer)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Waiting"
        BOOKED = "booked", "Booked from the list"
        REMOVED = "removed", "Removed"

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    service = TenantForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: anyone.",
    )
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAYS), default=list, blank=True, help_text="Empty: any day."
    )
    earliest = models.TimeField(default=time(0), help_text="The visit starts at this time of day or later.")
    latest = models.TimeField(default=time(23, 59), help_text="The visit is over by this time of day.")
    until = models.DateField(help_text="The last day a visit is still wanted.")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    booked = TenantForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Booked by an offer."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            # Matching a freed slot reads the practice's active entries, longest waiting first.
            models.Index(fields=["practice", "created_at"], condition=Q(status="active"), name="waitlist_active_since"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latest__gt=models.F("earliest")), name="waitlist_window_ends_after")
        ]

    def __str__(self):
        return f"{self.client} waiting for {self.service.name}"

    @property
    def days_label(self) -> str:
        names = dict(WEEKDAYS)
        return ", ".join(names[day] for day in sorted(self.weekdays)) if self.weekdays else "Any day"


class WaitlistOffer(TenantModel):
    """A freed slot offered to one waiting client, by an email with a signed link. The first client
    to claim the slot books it (through the booking service, so the database decides a race); the
    others learn it is taken and stay on the list. One offer per slot per client."""

    class Outcome(models.TextChoices):
        OFFERED = "offered", "Offered"
        CLAIMED = "claimed", "Claimed"
        TAKEN = "taken", "Taken by someone else"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "No longer waiting"

    entry = TenantForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="+")  # the entry's; for the constraint
    # The freed slot, and the service the client would be booked for (the entry's).
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    service = TenantForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    freed_by = TenantForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Cancelled or moved."
    )
    message = TenantForeignKey(OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OFFERED)
    booked = TenantForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["practice", "therapist", "starts_at"], name="waitlist_offer_slot"),
            models.Index(fields=["practice", "-created_at"], name="waitlist_offer_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "client", "therapist", "starts_at"], name="one_waitlist_offer_per_slot_and_client"
            )
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} offered to {self.client}"

    @property
    def closes_at(self) -> datetime:
        return self.starts_at - WAITLIST_CLAIM_CLOSES

    @property
    def outcome_label(self) -> str:
        """The outcome as staff read it: an open offer whose link has closed has expired unclaimed."""
        if self.outcome == self.Outcome.OFFERED and self.closes_at <= timezone.now():
            return "Expired unclaimed"
        return self.get_outcome_display()
