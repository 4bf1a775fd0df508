"""Referral partners (vetting, contact log and cadence) and where each client came from."""

from django.conf import settings
from django.db import models

from clients.models import Client
from practice.models import TenantForeignKey, TenantModel, TenantOneToOneField
from practice.phones import PhoneNumbersInE164, validate_phone


class Partner(PhoneNumbersInE164, TenantModel):
    class Kind(models.TextChoices):
        CHIROPRACTOR = "chiropractor", "Chiropractor"
        ORTHOPAEDIC = "orthopaedic", "Orthopaedic physician"
        PHYSICIAN = "physician", "General physician"
        PSYCH = "psych", "Psychologist or psychiatrist"
        ACUPUNCTURIST = "acupuncturist", "Acupuncturist"
        NATUROPATH = "naturopath", "Naturopathic doctor"
        DENTIST = "dentist", "Dentist"
        PHYSIO = "physio", "Physical therapist"
        OBGYN = "obgyn", "OB/GYN"
        OSTEOPATH = "osteopath", "Osteopath"
        REALTOR = "realtor", "Realtor"
        OFFICE = "office", "Office or employer"
        GYM = "gym", "Gym"
        OTHER_BUSINESS = "other_business", "Other business"

    MEDICAL = {
        Kind.CHIROPRACTOR,
        Kind.ORTHOPAEDIC,
        Kind.PHYSICIAN,
        Kind.PSYCH,
        Kind.ACUPUNCTURIST,
        Kind.NATUROPATH,
        Kind.DENTIST,
        Kind.PHYSIO,
        Kind.OBGYN,
        Kind.OSTEOPATH,
    }

    class Stage(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        RESEARCHING = "researching", "Researching"
        CONTACTED = "contacted", "Contacted"
        MEETING = "meeting", "Meeting"
        ACTIVE = "active", "Active partner"
        NOT_A_FIT = "not_a_fit", "Not a fit"
        PAUSED = "paused", "Paused"

    organisation = models.CharField(max_length=150)
    contact_name = models.CharField(max_length=150, blank=True, verbose_name="contact person")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    address = models.TextField(max_length=500, blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    fax = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    PHONE_FIELDS = ("phone", "fax")
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(max_length=4_000, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    next_contact_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation"]
        indexes = [
            models.Index(fields=["practice", "stage"], name="partner_practice_stage"),
            models.Index(fields=["practice", "next_contact_on"], name="partner_next_contact"),
        ]

    def __str__(self):
        return self.organisation


class StageChange(TenantModel):
    partner = TenantForeignKey(Partner, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Partner.Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Partner.Stage.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]


class VettingQuestion(TenantModel):
    """The practice's own checklist for deciding whether a partner is worth being associated with."""

    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "text"]

    def __str__(self):
        return self.text


class VettingAnswer(TenantModel):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNSURE = "unsure", "Unsure"

    partner = TenantForeignKey(Partner, on_delete=models.CASCADE, related_name="answers")
    question = TenantForeignKey(VettingQuestion, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "partner", "question"], name="one_answer_per_question")
        ]


class ContactEntry(TenantModel):
    class Kind(models.TextChoices):
        LETTER = "letter", "Letter"
        CALL = "call", "Call"
        VISIT = "visit", "Visit"
        EMAIL = "email", "Email"
        EVENT = "event", "Event"

    partner = TenantForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on = models.DateField()
    summary = models.TextField(
        max_length=2_000,
    )
    materials = models.CharField(max_length=300, blank=True, help_text="Research, case studies, articles sent.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-created_at"]


class Referral(TenantModel):
    """Where a client came from: a partner, another client, or another stream."""

    class Stream(models.TextChoices):
        CLIENT = "client", "Current clients"
        PERSONAL = "personal", "Personal network"
        MEDICAL = "medical", "Medical professionals"
        BUSINESS = "business", "Business professionals"
        WEB = "web", "Web and other"

    client = TenantOneToOneField(Client, on_delete=models.CASCADE, related_name="referral")
    partner = TenantForeignKey(Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals")
    referring_client = TenantForeignKey(Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stream = models.CharField(max_length=20, choices=Stream.choices)
    request_message = models.CharField(
        max_length=1000, blank=True, help_text="What a first-appointment request said it needed help with."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.client} via {self.partner or self.referring_client or self.get_stream_display()}"


class OutgoingReferral(TenantModel):
    """A client we referred to a partner (reciprocity). It names the client only when the client
    agreed to share their name; otherwise the note says no more than the client allowed."""

    partner = TenantForeignKey(Partner, on_delete=models.CASCADE, related_name="outgoing")
    on = models.DateField()
    client = TenantForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only if the client agreed to their name being shared.",
    )
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-on"]


class ReferralProgram(TenantModel):
    """Rewards for clients who refer others: off by default, because for licensed health providers
    they can count as referral fees."""

    rewards_enabled = models.BooleanField(default=False)
    reward_text = models.CharField(max_length=200, blank=True, help_text='e.g. "20% off your next massage"')
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice"], name="one_referral_program_per_practice")]
