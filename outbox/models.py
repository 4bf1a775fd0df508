"""The outbox and the consent ledger."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from practice.models import TenantModel


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CALL = "call", "Phone call"  # "sent" as a task on a staff call list (the follow-ups issue)
    # Consent to texts is recorded already; sending needs only a sender in outbox/dispatch.py.
    SMS = "sms", "Text message"


class Purpose(models.TextChoices):
    """Why a message is sent; consent is given and withdrawn per purpose and channel."""

    TRANSACTIONAL = "transactional", "Service messages"  # invitations, confirmations: no consent needed
    REMINDERS = "reminders", "Appointment reminders"
    CARE = "care", "Care follow-ups"
    MARKETING = "marketing", "Newsletters and offers"

    @property
    def needs_consent(self) -> bool:
        return self != Purpose.TRANSACTIONAL

    @property
    def offers_unsubscribe(self) -> bool:
        """Purposes whose messages carry the one-click unsubscribe link and headers. Reminders are
        transactional in nature and do not pretend to be marketing (the client changes them with
        the practice)."""
        return self in (Purpose.CARE, Purpose.MARKETING)


class OutboxMessage(TenantModel):
    """One message to send, written in the same transaction as the event that causes it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField(max_length=254, blank=True, help_text="Email address or phone number.")
    client_ref = models.UUIDField(null=True, blank=True, help_text="The client this is for, if any.")
    kind = models.CharField(max_length=50, help_text="What sort of message, e.g. staff_invitation, followup.")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    template = models.CharField(max_length=100, help_text="emails/<template>.{subject.txt,txt,html}")
    context = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="Template data; cleared once the message is done with.",
    )
    subject = models.CharField(max_length=255, blank=True, help_text="As sent.")
    idempotency_key = models.CharField(max_length=200)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While sending: when an unfinished claim may be taken again."
    )
    last_error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "outreach_outboxmessage"  # the table kept its name when the engine left outreach/
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "idempotency_key"], name="outbox_one_per_key"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="outbox_due"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="outbox_leased"),
            models.Index(fields=["practice", "-created_at"], name="outbox_practice_recent"),
            # A client's messages, for their timeline (a practice may have sent hundreds of thousands).
            models.Index(
                fields=["practice", "client_ref"], condition=Q(client_ref__isnull=False), name="outbox_client"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.address or '(no address)'} [{self.status}]"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def can_retry(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.SCHEDULED, self.Status.FAILED)


def kind_label(kind: str) -> str:
    """'staff_invitation' -> 'Staff invitation'."""
    return kind.replace("_", " ").capitalize()


class ConsentEvent(TenantModel):
    """An entry in the consent ledger: consent for (channel, address, purpose) given or withdrawn,
    when, how and by whom. Never edited; the latest entry for a key is the current state."""

    class Source(models.TextChoices):
        INTAKE = "intake", "Intake form"
        STAFF = "staff", "Recorded by staff"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe link"
        CLIENT_LINK = "client_link", "Client's own link"

    channel = models.CharField(max_length=20, choices=Channel.choices)
    address = models.CharField(max_length=254)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=20, choices=Source.choices)
    note = models.CharField(max_length=300, blank=True)
    client_ref = models.UUIDField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "outreach_consentevent"  # as OutboxMessage's
        ordering = ["-at"]
        indexes = [models.Index(fields=["practice", "channel", "address", "purpose", "-at"], name="consent_lookup")]

    def __str__(self):
        verb = "gave" if self.granted else "withdrew"
        return f"{self.address} {verb} {self.purpose} consent ({self.channel})"
