"""Outreach models. The engine's (outbox, consent ledger) live in outreach/engine/models.py and are
imported here so that Django registers them with this app; the features' models follow."""

from django.conf import settings
from django.db import models

from outreach.engine.models import ConsentEvent, OutboxMessage  # noqa: F401
from practice.models import TenantModel


class FollowUpSettings(TenantModel):
    """A practice's choices for next-day follow-ups and call lists; defaults suit most practices."""

    followup_hour = models.PositiveSmallIntegerField(default=10, help_text="Local hour the day after the visit.")
    send_on_closed_days = models.BooleanField(
        default=False, help_text="Closed days are weekdays no one works; otherwise the follow-up waits for the next open day.")
    call_first_timers = models.BooleanField(default=True, help_text="First-time clients get a call rather than an email.")
    call_max_tries = models.PositiveSmallIntegerField(default=3, help_text="No answer: try again the next day, this many times.")
    rebook_link_days = models.PositiveSmallIntegerField(default=14, help_text="How long a self-rebooking link works.")
    recalls_enabled = models.BooleanField(default=True, help_text="Remind clients who are overdue for their next visit.")
    recall_after_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days after the recommended interval has passed before the recall goes out.")
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
    notes = models.TextField(blank=True, help_text="What to talk about: the last summary and plan.")
    due_on = models.DateField()
    tries = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    outbox_message = models.OneToOneField(OutboxMessage, on_delete=models.SET_NULL, null=True, related_name="call_task")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["practice", "status", "due_on"], name="call_task_open_due")]

    def __str__(self):
        return f"Call {self.client_name} ({self.reason})"


class Newsletter(TenantModel):
    """An owner's newsletter: Markdown, an audience, a send time. Each copy is an outbox message
    (kind "newsletter"), so consent is checked again for every copy when it goes out."""

    class Audience(models.TextChoices):
        ALL = "all", "Everyone who opted in"
        ACTIVE = "active", "Active clients who opted in"
        LAPSED = "lapsed", "Lapsed clients who opted in"
        THERAPIST = "therapist", "Clients of one therapist who opted in"

    subject = models.CharField(max_length=150)
    body_markdown = models.TextField(verbose_name="text", help_text="Markdown: **bold**, *italic*, lists, links.")
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ALL)
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", help_text="For the audience of one therapist's clients.")
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

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="release_authorisations")
    partner = models.ForeignKey("referrals.Partner", on_delete=models.CASCADE, related_name="release_authorisations")
    scope = models.CharField(max_length=40, default="progress_reports", editable=False)
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

    def is_valid_on(self, day) -> bool:
        return self.revoked_at is None and self.expires_on >= day
