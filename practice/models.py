"""Tenants (Practice), people (User), who works where (Membership), invitations and the audit log."""

import uuid
import zoneinfo

from django.apps import apps
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from practice.phones import PhoneNumbersInE164, validate_phone


class UserManager(BaseUserManager):
    """Users sign in with their email address; there is no separate username."""

    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)

    def get_by_natural_key(self, username):
        """Sign-in finds the account whatever the case of the email typed: addresses are unique
        case-insensitively, so there is only ever one."""
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Practice(PhoneNumbersInE164, models.Model):
    """The tenant. Nothing that belongs to one practice is ever shown to another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True, help_text="Used in the practice's web addresses.")
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="America/New_York")
    address = models.TextField(max_length=500, blank=True)
    country = CountryField(default="US", help_text="Phone numbers without a country code are read as this country's.")
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(blank=True)
    logo_png = models.BinaryField(
        null=True, blank=True, editable=False, help_text="The practice's logo, normalised to a small PNG (letterheads)."
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        default=24, help_text="When appointment reminders go out, in hours before the visit (0: no reminders)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    def phone_region(self) -> str:
        return str(self.country)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def time_zone_label(self) -> str:
        return self.time_zone.replace("_", " ")


class TenantModel(models.Model):
    """Base of every tenant-owned model: a direct practice key, a UUID for URLs, and a manager that
    refuses to query outside a practice scope (django-scopes), so a forgotten filter fails closed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE)

    objects = ScopedManager(practice="practice")

    class Meta:
        abstract = True


class Membership(models.Model):
    """A person's role in one practice. This is the tenancy join table itself, read by user before
    any practice scope exists, so it is not a scoped TenantModel; every query names the practice."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        THERAPIST = "therapist", "Therapist"
        FRONT_DESK = "front_desk", "Front desk"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "user"], name="membership_one_per_practice")]
        ordering = ["user__first_name", "user__last_name", "user__email"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.practice}"

    def has_perm(self, permission: str) -> bool:
        from practice.permissions import role_has_perm

        return role_has_perm(self.role, permission)


class Invitation(TenantModel):
    """An emailed, single-use, expiring invitation to join a practice. Only a hash of the token is
    kept, so a copy of the database cannot be turned into working links."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email} to {self.practice}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class AuditEvent(TenantModel):
    """One read or change of protected information by a member of staff. Written by
    practice.audit.audit_record and never edited afterwards."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        SIGN = "sign", "Signed"
        EXPORT = "export", "Exported"
        DOWNLOAD = "download", "Downloaded"
        SEND = "send", "Sent"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, kept even if the account is deleted.")
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=100, help_text="e.g. clients.intakeversion")
    record_id = models.CharField(max_length=64)
    record_label = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["practice", "-at"], name="audit_practice_at"),
            models.Index(fields=["practice", "record_type", "record_id"], name="audit_practice_record"),
        ]

    def __str__(self):
        return f"{self.actor_label} {self.get_action_display().lower()} {self.record_type} {self.record_id}"

    @property
    def record_type_label(self) -> str:
        return record_type_label(self.record_type)


def record_type_label(record_type: str) -> str:
    """'clients.intakeversion' -> 'Intake version': the model's own name for people."""
    try:
        return apps.get_model(record_type)._meta.verbose_name.capitalize()
    except (LookupError, ValueError):
        return record_type
