"""Clients, their versioned intake, and self-service intake links."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Replace, Upper
from django.utils import timezone

from practice.models import TenantForeignKey, TenantModel, TenantOneToOneField
from practice.phones import PhoneNumbersInE164, validate_phone

# Body areas for pain ratings, focus and avoid lists (the intake's, and pain ratings in session notes).
BODY_AREAS = [
    ("head_jaw", "Head and jaw"),
    ("neck", "Neck"),
    ("shoulders", "Shoulders"),
    ("upper_back", "Upper back"),
    ("lower_back", "Lower back"),
    ("chest", "Chest"),
    ("arms", "Arms"),
    ("hands", "Hands and wrists"),
    ("abdomen", "Abdomen"),
    ("hips_glutes", "Hips and glutes"),
    ("legs", "Legs"),
    ("feet", "Feet"),
]
BODY_AREA_LABELS = dict(BODY_AREAS)

# The session notes' body chart is finer and knows sides (a sore left shoulder is not a sore right
# one): (region, label, sided). A sided region's keys are "<region>_left" and "<region>_right".
# "abdomen" keeps the intake's key, with the same meaning; no other key is an intake area's.
BODY_REGIONS = [
    ("head", "Head", False),
    ("jaw", "Jaw", True),
    ("neck", "Neck", True),
    ("shoulder", "Shoulder", True),
    ("upper_arm", "Upper arm", True),
    ("forearm", "Forearm", True),
    ("hand", "Hand and wrist", True),
    ("chest", "Chest", True),
    ("abdomen", "Abdomen", False),
    ("upper_back", "Upper back", True),
    ("lower_back", "Lower back", True),
    ("hip", "Hip (front)", True),
    ("glute", "Glute", True),
    ("thigh", "Thigh (front)", True),
    ("hamstring", "Hamstring", True),
    ("shin", "Shin", True),
    ("calf", "Calf", True),
    ("foot", "Foot", True),
]
SIDES = [("left", "Left"), ("right", "Right")]


def _region_areas() -> list[tuple[str, str]]:
    areas = []
    for region, label, sided in BODY_REGIONS:
        if sided:
            areas += [(f"{region}_{side}", f"{side_label} {label[0].lower()}{label[1:]}") for side, side_label in SIDES]
        else:
            areas.append((region, label))
    return areas


NOTE_AREAS = _region_areas()  # ("shoulder_left", "Left shoulder"), ...
# Notes written before the chart had sides keep the intake's keys ("shoulders": both of them); they
# stay readable under their old labels, and a draft or a template taking them over gets these.
EARLIER_NOTE_AREAS = {
    "head_jaw": ["head", "jaw_left", "jaw_right"],
    "neck": ["neck_left", "neck_right"],
    "shoulders": ["shoulder_left", "shoulder_right"],
    "upper_back": ["upper_back_left", "upper_back_right"],
    "lower_back": ["lower_back_left", "lower_back_right"],
    "chest": ["chest_left", "chest_right"],
    "arms": ["upper_arm_left", "upper_arm_right", "forearm_left", "forearm_right"],
    "hands": ["hand_left", "hand_right"],
    "abdomen": ["abdomen"],
    "hips_glutes": ["hip_left", "hip_right", "glute_left", "glute_right"],
    "legs": [f"{part}_{side}" for part in ("thigh", "hamstring", "shin", "calf") for side in ("left", "right")],
    "feet": ["foot_left", "foot_right"],
}
AREA_LABELS = {**BODY_AREA_LABELS, **dict(NOTE_AREAS)}


def area_label(key: str) -> str:
    """What a body-area key reads as, wherever one is shown: the chart's sided regions and the
    intake's (and earlier notes') areas alike; an unknown key as it is rather than nothing."""
    return AREA_LABELS.get(key, key)


def note_areas(keys: list[str]) -> list[str]:
    """Body-area keys as the chart has them now: earlier notes' keys become the regions they
    covered (both sides), in order, each once."""
    areas = []
    for key in keys:
        for area in EARLIER_NOTE_AREAS.get(key, [key]):
            if area not in areas:
                areas.append(area)
    return areas


def digits_of(expression):
    """A phone number with the usual separators taken out, for comparing numbers."""
    for separator in (" ", "-", "(", ")", ".", "+"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


class Client(PhoneNumbersInE164, TenantModel):
    class Status(models.TextChoices):
        REQUEST = "request", "New request"  # asked for a first appointment through a referral link
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    class HeardVia(models.TextChoices):
        CLIENT = "client", "Another client"
        HEALTH_PROFESSIONAL = "health_professional", "A health professional"
        BUSINESS = "business", "A business"
        WEB = "web", "Web or search"
        EVENT = "event", "An event"
        OTHER = "other", "Other"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    # The address the client has shown is theirs: an intake link sent there was used, or the
    # confirmation link sent there was opened. Email consents and health information go only to
    # a confirmed address (an address someone else typed is confirmed with the client first).
    confirmed_email = models.EmailField(blank=True, editable=False)
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    address = models.TextField(max_length=500, blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    PHONE_FIELDS = ("phone", "emergency_contact_phone")
    occupation = models.CharField(max_length=120, blank=True)
    first_massage = models.BooleanField(null=True, blank=True, verbose_name="first massage ever")
    heard_via = models.CharField(
        max_length=30, choices=HeardVia.choices, blank=True, verbose_name="how they heard of us"
    )
    heard_via_detail = models.CharField(max_length=200, blank=True, verbose_name="details")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    alerts = models.TextField(
        max_length=500, blank=True, help_text='Shown in red wherever the client appears, e.g. "latex allergy".'
    )
    # Kept by the scheduling feature when a visit is completed; the list's "lapsed" filter reads it.
    last_visit_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the client list's search looks in, kept by the database: names, email and the phone's
    # digits, separated by spaces (a search word has none, so it never matches across two fields).
    search_text = models.GeneratedField(
        expression=Concat(
            "first_name",
            Value(" "),
            "last_name",
            Value(" "),
            "preferred_name",
            Value(" "),
            "email",
            Value(" "),
            digits_of("phone"),
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["practice", "last_name", "first_name"], name="client_practice_name"),
            models.Index(fields=["practice", "status", "created_at"], name="client_practice_status"),
            # A trigram index serves the list's case-insensitive search (UPPER(search_text) LIKE for
            # names and email, ~ for the phone's digits; clients.selectors.client_search), for every
            # word of three characters or more. Without GIN's pending list (fastupdate off): a new
            # client is in the index at once, and the planner does not price a long list of rows
            # not yet merged (after an import, until autovacuum runs) as a reason to scan the table.
            GinIndex(OpClass(Upper("search_text"), name="gin_trgm_ops"), name="client_search_trgm", fastupdate=False),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_shown(self.preferred_name, self.first_name, self.last_name)

    @staticmethod
    def name_shown(preferred_name: str, first_name: str, last_name: str) -> str:
        """The name staff see: the preferred name if given, and the last name (for rows read as values)."""
        return f"{preferred_name or first_name} {last_name}".strip()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_confirmed(self) -> bool:
        return bool(self.email) and self.email.lower() == self.confirmed_email.lower()


class IntakeVersion(TenantModel):
    """One complete intake, as submitted by the client or edited by staff. Never changed after it
    is written: a change is a new version (the save method refuses updates)."""

    class Source(models.TextChoices):
        CLIENT_LINK = "client_link", "Client, by intake link"
        STAFF = "staff", "Staff"

    class Caution(models.TextChoices):
        RECENT_SURGERY_OR_INJURY = "recent_surgery_or_injury", "Recent surgery or injury"
        BLOOD_CLOTS = "blood_clots", "Blood clots"
        PREGNANCY = "pregnancy", "Pregnancy"
        HIGH_BLOOD_PRESSURE = "high_blood_pressure", "High blood pressure"
        DIABETES = "diabetes", "Diabetes"
        CANCER_TREATMENT = "cancer_treatment", "Cancer treatment"
        SKIN_CONDITIONS = "skin_conditions", "Skin conditions"
        ALLERGIES = "allergies", "Allergies (including oils and lotions)"
        MEDICATIONS = "medications", "Medications"
        OTHER = "other", "Other"

    class Pressure(models.TextChoices):
        LIGHT = "light", "Light"
        MEDIUM = "medium", "Medium"
        FIRM = "firm", "Firm"
        DEEP = "deep", "Deep"

    class Conversation(models.TextChoices):
        QUIET = "quiet", "Quiet"
        SOME = "some", "Some conversation"
        CHATTY = "chatty", "Chatty"

    class ReminderChannel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        NONE = "none", "No reminders"

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="intake_versions")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Health history
    cautions = models.JSONField(default=list, blank=True, help_text="Caution keys, see Caution.")
    caution_details = models.TextField(
        max_length=2_000, blank=True, help_text="Details: which surgery, which allergy, medications."
    )
    pain_ratings = models.JSONField(default=dict, blank=True, help_text="Body area key -> 0..10.")
    reason_for_visit = models.TextField(max_length=2_000, blank=True)
    goals = models.TextField(max_length=2_000, blank=True)
    # Preferences
    pressure = models.CharField(max_length=20, choices=Pressure.choices, blank=True)
    focus_areas = models.JSONField(default=list, blank=True)
    avoid_areas = models.JSONField(default=list, blank=True)
    area_notes = models.TextField(max_length=2_000, blank=True, verbose_name="notes on areas")
    conversation = models.CharField(max_length=20, choices=Conversation.choices, blank=True)
    comfort_notes = models.TextField(max_length=2_000, blank=True, verbose_name="draping and comfort notes")
    # Consents
    consent_to_treatment = models.BooleanField(default=False)
    signature_name = models.CharField(max_length=200, blank=True, verbose_name="typed signature")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    reminder_channel = models.CharField(max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL)
    followup_consent = models.BooleanField(default=False, verbose_name="next-day follow-up")
    marketing_email = models.BooleanField(default=False, verbose_name="newsletters and offers by email")
    marketing_sms = models.BooleanField(default=False, verbose_name="newsletters and offers by text message")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "client", "number"], name="intake_one_number_per_client"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="intake_number_positive"),
        ]

    def __str__(self):
        return f"Intake v{self.number} of {self.client}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An intake version is never changed; record a new version instead.")
        super().save(*args, **kwargs)

    @property
    def caution_labels(self) -> list[str]:
        labels = dict(self.Caution.choices)
        return [labels.get(key, key) for key in self.cautions]

    @property
    def pain_list(self) -> list[tuple[str, int]]:
        """(area label, rating) for rated areas, worst first."""
        rated = [(area_label(area), rating) for area, rating in self.pain_ratings.items()]
        return sorted(rated, key=lambda pair: -pair[1])

    @property
    def focus_labels(self) -> list[str]:
        return [area_label(area) for area in self.focus_areas]

    @property
    def avoid_labels(self) -> list[str]:
        return [area_label(area) for area in self.avoid_areas]


class IntakeLink(TenantModel):
    """A self-service intake link sent to one client. The URL carries a signed reference to this
    row; the row says whether it is still usable (expiry, completion, withdrawal)."""

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="intake_links")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    sent_to = models.EmailField(blank=True)
    # Decided when the link is made, never from the request that opens it: the page shows the
    # client's previous answers (and release requests) only if whoever sent it may read the
    # intake and the address is one the client confirmed. Otherwise the form opens blank.
    prefilled = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = TenantOneToOneField(IntakeVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Intake link for {self.client}"

    @property
    def is_usable(self) -> bool:
        return self.completed_at is None and self.expires_at > timezone.now()


class EmergencyAccess(TenantModel):
    """A therapist's time-limited access to the record of a client they have not seen ("break
    glass"), where the practice keeps therapists to their own clients' records. Granted with a
    stated reason (clients.services.emergency_access_grant), told to the owners, and every request
    it lets through is marked in the audit log (clients.record_access). A second request while one
    is active extends it rather than adding a row."""

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    REASON_MIN_LENGTH, REASON_MAX_LENGTH = 10, 500  # a sentence, not a word; one line in the audit log

    reason = models.TextField(
        max_length=REASON_MAX_LENGTH, help_text="Why the record is needed, in the therapist's words."
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [
            # The record rule's question: this person's unexpired grants (for one client, or all of them).
            models.Index(fields=["practice", "user", "expires_at"], name="emergency_access_user_expiry"),
        ]

    def __str__(self):
        return f"Emergency access to {self.client} for {self.user}"
