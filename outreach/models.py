"""Outreach's models: follow-up settings, call tasks, clients' feedback on their visits, newsletters,
releases, progress reports and their shares. The outbox and the consent ledger are the outbox app's
(outbox/models.py)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from outbox.models import OutboxMessage
from practice.models import TenantForeignKey, TenantModel, TenantOneToOneField


class FollowUpSettings(TenantModel):
    """A practice's choices for next-day follow-ups and call lists; defaults suit most practices."""

    followup_hour = models.PositiveSmallIntegerField(default=10, help_text="Local hour the day after the visit.")
    send_on_closed_days = models.BooleanField(
        default=False,
        help_text="Closed days are weekdays no one works; otherwise the follow-up waits for the next open day.",
    )
    call_first_timers = models.BooleanField(
        default=True, help_text="First-time clients get a call rather than an email."
    )
    call_max_tries = models.PositiveSmallIntegerField(
        default=3, help_text="No answer: try again the next day, this many times."
    )
    rebook_link_days = models.PositiveSmallIntegerField(default=14, help_text="How long a self-rebooking link works.")
    recalls_enabled = models.BooleanField(
        default=True, help_text="Remind clients who are overdue for their next visit."
    )
    recall_after_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days after the recommended interval has passed before the recall goes out."
    )
    digest_hour = models.PositiveSmallIntegerField(default=8, help_text="Local hour of the morning call-list email.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice"], name="one_followup_settings_per_practice")]

    def __str__(self):
        return f"Follow-up settings of {self.practice}"


class CallTask(TenantModel):
    """A call a member of staff should make: the call channel's way of "sending" a message."""

    class Status(models.TextChoices):
        OPEN = "open", "To call"
        REACHED = "reached", "Reached"
        LEFT_MESSAGE = "left_message", "Left a message"
        BOOKED = "booked", "Booked"
        DO_NOT_CALL = "do_not_call", "Do not call again"
        GAVE_UP = "gave_up", "No answer, gave up"

    client_ref = models.UUIDField()
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=30, help_text="followup, recall")
    phone = models.CharField(max_length=40, blank=True)
    client_name = models.CharField(max_length=200)
    notes = models.TextField(max_length=2_000, blank=True, help_text="What to talk about: the last summary and plan.")
    due_on = models.DateField()
    tries = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    outbox_message = TenantOneToOneField(OutboxMessage, on_delete=models.SET_NULL, null=True, related_name="call_task")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["practice", "status", "due_on"], name="call_task_open_due"),
            models.Index(fields=["practice", "client_ref"], name="call_task_client"),  # the client's timeline
        ]

    def __str__(self):
        return f"Call {self.client_name} ({self.reason})"


class VisitFeedback(TenantModel):
    """A client's answers about one visit, given without signing in through the signed link of the
    next-day follow-up (or on the self-rebooking page). Each answer is given once: the first one
    stands. `therapist` is the visit's, kept here for the figures per therapist."""

    class Pressure(models.TextChoices):
        TOO_LIGHT = "too_light", "Too light"
        JUST_RIGHT = "just_right", "Just right"
        TOO_DEEP = "too_deep", "Too deep"

    class Focus(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"

    class Conversation(models.TextChoices):
        TOO_MUCH = "too_much", "Too much"
        JUST_RIGHT = "just_right", "Just right"
        MORE = "more", "I'd have liked more"

    visit = TenantOneToOneField("therapy_sessions.Appointment", on_delete=models.CASCADE, related_name="feedback")
    client = TenantForeignKey("clients.Client", on_delete=models.CASCADE, related_name="visit_feedback")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pressure = models.CharField(max_length=20, choices=Pressure.choices, blank=True)
    focus = models.CharField(
        max_length=20, choices=Focus.choices, blank=True, verbose_name="did we work on what you came for?"
    )
    conversation = models.CharField(max_length=20, choices=Conversation.choices, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2_000, blank=True)
    answered_at = models.DateTimeField(help_text="When the first answer came in.")
    updated_at = models.DateTimeField(auto_now=True)
    call_task = TenantOneToOneField(
        CallTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The owner's call."
    )

    class Meta:
        ordering = ["-answered_at"]
        indexes = [models.Index(fields=["practice", "therapist", "answered_at"], name="visit_feedback_figures")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="visit_feedback_rating_1_to_5",
            )
        ]

    def __str__(self):
        return f"Feedback on {self.visit_id}"


class Newsletter(TenantModel):
    """An owner's newsletter: Markdown, an audience, a send time. Each copy is an outbox message
    (kind "newsletter"), so consent is checked again for every copy when it goes out."""

    class Audience(models.TextChoices):
        ALL = "all", "Everyone who opted in"
        ACTIVE = "active", "Active clients who opted in"
        LAPSED = "lapsed", "Lapsed clients who opted in"
        THERAPIST = "therapist", "Clients of one therapist who opted in"

    subject = models.CharField(max_length=150)
    body_markdown = models.TextField(
        max_length=50_000, verbose_name="text", help_text="Markdown: **bold**, *italic*, lists, links."
    )
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ALL)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For the audience of one therapist's clients.",
    )
    send_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it is a draft.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject

    @property
    def is_scheduled(self) -> bool:
        return self.send_at is not None


class ReleaseAuthorisation(TenantModel):
    """A client's written permission to send progress reports to one referral partner, signed in
    the clinic (typed signature), until it expires or the client revokes it."""

    client = TenantForeignKey("clients.Client", on_delete=models.CASCADE, related_name="release_authorisations")
    partner = TenantForeignKey("referrals.Partner", on_delete=models.CASCADE, related_name="release_authorisations")

    class Source(models.TextChoices):
        CLINIC = "clinic", "In the clinic"
        INTAKE_LINK = "intake_link", "Through the intake link"

    scope = models.CharField(max_length=40, default="progress_reports", editable=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CLINIC)
    signed_name = models.CharField(max_length=200, verbose_name="client's typed signature")
    signed_at = models.DateTimeField()
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    expires_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self):
        return f"{self.client} authorises reports to {self.partner}"


class ReleaseRequest(TenantModel):
    """Staff asked the client to sign a release for this partner through their self-service intake
    link; open until the client signs it there (release set) or staff withdraw it."""

    client = TenantForeignKey("clients.Client", on_delete=models.CASCADE, related_name="release_requests")
    partner = TenantForeignKey("referrals.Partner", on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField(help_text="Until when the release will run once signed.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    release = TenantOneToOneField(
        ReleaseAuthorisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.client} asked to authorise reports to {self.partner}"


class ProgressReport(TenantModel):
    """A progress report on one client for one referral partner over a period. Drafted from the
    signed notes (`facts`, gathered again when it is signed), its narrative written by the
    therapist; signing locks it and queues the PDF, which a worker renders into private storage."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        QUEUED = "queued", "Waiting to render"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Rendering failed"

    client = TenantForeignKey("clients.Client", on_delete=models.CASCADE, related_name="progress_reports")
    partner = TenantForeignKey("referrals.Partner", on_delete=models.PROTECT, related_name="progress_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    facts = models.JSONField(default=dict, editable=False, help_text="Visits, attendance and pain ratings.")
    presenting_complaint = models.TextField(max_length=4_000, blank=True)
    findings = models.TextField(max_length=4_000, blank=True)
    response = models.TextField(max_length=4_000, blank=True, verbose_name="response to treatment")
    plan = models.TextField(max_length=4_000, blank=True)
    recommendations = models.TextField(max_length=4_000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    render_step = models.CharField(max_length=60, blank=True, help_text="What the worker is doing now.")
    render_error = models.TextField(blank=True)
    render_lease_until = models.DateTimeField(null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    pdf_name = models.CharField(max_length=200, blank=True, help_text="Path in private storage.")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    pdf_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    signed_by_name = models.CharField(max_length=200, blank=True, help_text="Kept even if the account goes.")
    signed_at = models.DateTimeField(null=True, blank=True)

    NARRATIVE = ("presenting_complaint", "findings", "response", "plan", "recommendations")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "render_lease_until"], name="report_render_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="report_period_in_order"
            )
        ]

    def __str__(self):
        return f"Progress report on {self.client} for {self.partner}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_rendering(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    # How far along each step the worker reports (outreach/reports.py, outreach/pdf.py) is, in percent.
    RENDER_STEP_PERCENT = {
        "Gathering the report": 30,
        "Laying out pages": 45,
        "Writing the PDF": 75,
        "Storing the PDF": 90,
    }

    @property
    def render_percent(self) -> int:
        """The progress bar's value while the PDF renders."""
        if self.status == self.Status.QUEUED:
            return 15
        return self.RENDER_STEP_PERCENT.get(self.render_step, 30)


class ReportShare(TenantModel):
    """One secure link to one report for its partner. The link's random token exists only in the
    email (minted when the email goes out); the row keeps its SHA-256. Opening the report also
    takes a one-time code emailed to the partner's address on file, kept here only as a hash."""

    report = TenantForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="shares")
    partner = TenantForeignKey("referrals.Partner", on_delete=models.CASCADE, related_name="report_shares")
    address = models.EmailField(help_text="Where the link was sent.")
    token_hash = models.CharField(max_length=64, blank=True, help_text="Empty until the email goes out.")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    outbox_message = TenantOneToOneField(OutboxMessage, on_delete=models.SET_NULL, null=True, related_name="+")
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "token_hash"], condition=~models.Q(token_hash=""), name="report_share_token_unique"
            ),
        ]

    def __str__(self):
        return f"Link to {self.report} for {self.partner}"

    @property
    def status_label(self) -> str:
        """Sent / opened / downloaded, for staff."""
        if self.revoked_at:
            return "Revoked"
        if self.download_count:
            return f"Downloaded {self.download_count}×"
        if self.first_opened_at:
            return "Opened"
        if self.outbox_message is None:
            return "Not sent"
        return self.outbox_message.get_status_display()


class ShareAccess(TenantModel):
    """Every use of a report link, by the doctor's side: viewed, code sent, code right or wrong,
    downloaded, refused. Never changed afterwards."""

    class Event(models.TextChoices):
        VIEW = "view", "Opened the link"
        CODE_SENT = "code_sent", "Asked for a code"
        CODE_OK = "code_ok", "Entered the right code"
        CODE_WRONG = "code_wrong", "Entered a wrong code"
        DOWNLOAD = "download", "Downloaded the PDF"
        REFUSED = "refused", "Refused"

    share = TenantForeignKey(ReportShare, on_delete=models.CASCADE, related_name="accesses")
    event = models.CharField(max_length=20, choices=Event.choices)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_event_display()} at {self.at:%Y-%m-%d %H:%M}"
