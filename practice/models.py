"""Tenants (Practice), people (User), who works where (Membership), invitations, the audit log, and
sign-in security (second factors, signed-in sessions, known browsers)."""

import hashlib
import uuid
import zoneinfo

from django.apps import apps
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models.deletion import Collector
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django_countries.fields import CountryField
from django_otp.models import Device, ThrottlingMixin
from django_scopes import ScopedManager, get_scope

from practice.phones import PhoneNumbersInE164, validate_phone
from practice.schema import is_tenant_model
from practice.tenancy import deleting_in


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
    require_two_factor = models.BooleanField(
        default=False, help_text="Every member signs in with a second factor; those without one enrol first."
    )

    class NoteAccess(models.TextChoices):
        ALL_CLIENTS = "all", "Every client's record"
        OWN_CLIENTS = "own", "Only clients they have seen or are booked with"

    therapist_note_access = models.CharField(
        max_length=10,
        choices=NoteAccess.choices,
        default=NoteAccess.ALL_CLIENTS,
        help_text="Which clients' notes, plans and intakes a therapist may read (owners read every client's).",
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


class TenantCollector(Collector):
    """Deletion's collector for tenant rows: the related rows it looks for are looked for in the
    deleted rows' practice, and the DELETEs and SET NULL updates it runs name that practice (a
    database sharded by practice sends each to one shard)."""

    def __init__(self, *args, practice_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice_id = practice_id

    def related_objects(self, related_model, related_fields, objs):
        related = super().related_objects(related_model, related_fields, objs)
        if is_tenant_model(related_model):
            related = related.filter(practice_id=self.practice_id)
        return related

    def delete(self):
        with deleting_in(self.practice_id):
            return super().delete()


class TenantQuerySet(models.QuerySet):
    def delete(self):
        """Deletes as TenantModel.delete does, in the scope's practice (outside a scope: in the
        rows' one practice; rows of several practices are deleted as Django does)."""
        practice = get_scope().get("practice")
        practice_ids = [practice.pk] if practice else list(self.values_list("practice_id", flat=True).distinct()[:2])
        if len(practice_ids) != 1:
            return super().delete()
        doomed = self._chain()
        doomed._for_write = True
        doomed.query.select_for_update = False
        doomed.query.select_related = False
        doomed.query.clear_ordering(force=True)
        collector = TenantCollector(using=doomed.db, origin=self, practice_id=practice_ids[0])
        collector.collect(doomed)
        self._result_cache = None
        return collector.delete()


class _PracticeOfTheScope(ForwardManyToOneDescriptor):
    """`row.practice` inside that practice's scope is the scope's own Practice: pages follow it from
    many rows (a visit, its client, a note), and each would otherwise fetch the same row again."""

    def get_object(self, instance):
        current = get_scope().get("practice")
        if isinstance(current, Practice) and current.pk == instance.practice_id:
            return current
        return super().get_object(instance)


class PracticeKey(models.ForeignKey):
    """A tenant row's key to its practice. Migrations see a plain ForeignKey: only reading differs.
    No index of its own: the primary key (practice_id, id) leads with it."""

    forward_related_accessor_class = _PracticeOfTheScope

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("db_index", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs


class TenantModel(models.Model):
    """Base of every tenant-owned model: a direct practice key, a UUID for URLs, and a manager that
    refuses to query outside a practice scope (django-scopes), so a forgotten filter fails closed.

    Ready for a database sharded by practice (Citus): in the database the primary key is
    (practice_id, id) and keys between tenant tables carry practice_id (practice.schema); saves,
    reloads and deletes name the practice, and a row never moves to another practice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = PracticeKey(Practice, on_delete=models.CASCADE)

    objects = ScopedManager(_manager_class=models.Manager.from_queryset(TenantQuerySet), practice="practice")

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        values = [(field, model, value) for field, model, value in values if field.attname != "practice_id"]
        base_qs = base_qs.filter(practice_id=self.practice_id)
        return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        if from_queryset is None:
            from_queryset = type(self)._base_manager.db_manager(using)
        from_queryset = from_queryset.filter(practice_id=self.practice_id)
        return super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    def delete(self, using=None, keep_parents=False):
        if self.pk is None:
            raise ValueError(f"{self._meta.object_name} object can't be deleted because its id is None.")
        using = using or router.db_for_write(self.__class__, instance=self)
        collector = TenantCollector(using=using, origin=self, practice_id=self.practice_id)
        collector.collect([self], keep_parents=keep_parents)
        return collector.delete()


class TenantRelation:
    """Mixin of a relation from one tenant model to another. In the database the key is
    (practice_id, <column>) -> (practice_id, id), made by practice.schema (so Django's own
    single-column constraint is off); every join through it also matches practice_id, and
    following it from a row looks in that row's practice."""

    def __init__(self, *args, **kwargs):
        kwargs["db_constraint"] = False  # the composite key replaces it (practice.schema)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)
        return name, path, args, kwargs

    def get_extra_restriction(self, alias, related_alias):
        remote = self.remote_field.model._meta.get_field("practice").get_col(alias)
        local = self.model._meta.get_field("practice").get_col(related_alias)
        return Exact(remote, local)

    def get_extra_descriptor_filter(self, instance):
        return {"practice_id": instance.practice_id}

    def get_forward_related_filter(self, obj):
        return {**super().get_forward_related_filter(obj), "practice_id": obj.practice_id}

    def validate(self, value, model_instance):
        """Django's check that the row pointed at exists, made in the row's own practice (or the
        scope's, for a row a form has not given its practice yet): so a row of another practice
        is refused too."""
        super(models.ForeignKey, self).validate(value, model_instance)
        if value is None:
            return
        scoped = get_scope().get("practice")
        practice_id = model_instance.practice_id or (scoped.pk if scoped else None)
        remote = self.remote_field.model
        found = remote._base_manager.using(router.db_for_read(remote, instance=model_instance)).filter(
            **{self.remote_field.field_name: value, "practice_id": practice_id}
        )
        if not found.complex_filter(self.get_limit_choices_to()).exists():
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={
                    "model": remote._meta.verbose_name,
                    "pk": value,
                    "field": self.remote_field.field_name,
                    "value": value,
                },
            )


class _PrefetchInPractice:
    """Prefetching through a tenant relation looks in the prefetched rows' practice."""

    def get_prefetch_querysets(self, instances, querysets=None):
        querysets = querysets or [self.get_queryset()]
        practices = {instance.practice_id for instance in instances}
        return super().get_prefetch_querysets(instances, [qs.filter(practice_id__in=practices) for qs in querysets])


class _ForwardManyToOne(_PrefetchInPractice, ForwardManyToOneDescriptor):
    pass


class _ForwardOneToOne(_PrefetchInPractice, ForwardOneToOneDescriptor):
    pass


class _ReverseOneToOne(_PrefetchInPractice, ReverseOneToOneDescriptor):
    pass


class TenantForeignKey(TenantRelation, models.ForeignKey):
    forward_related_accessor_class = _ForwardManyToOne

    def __init__(self, *args, **kwargs):
        # The index is (practice_id, <column>), made by practice.schema: a single-column index has
        # statistics over every practice, and the planner trusts it where one practice holds
        # nearly all of a value's rows (a practice's only service is in 100,000 visits).
        kwargs.setdefault("db_index", False)
        super().__init__(*args, **kwargs)


class TenantOneToOneField(TenantRelation, models.OneToOneField):
    forward_related_accessor_class = _ForwardOneToOne
    related_accessor_class = _ReverseOneToOne


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


class TokenRoute(models.Model):
    """Which practice a link's secret belongs to. Invitation and calendar-feed links arrive with
    nothing but their token; this small global table (a reference table in Citus) names the
    practice, and the row itself is then read inside that practice (practice.tokens)."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, help_text="invitation, calendar_feed")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.kind} link of {self.practice_id}"


class Invitation(TenantModel):
    """An emailed, single-use, expiring invitation to join a practice. Only a hash of the token is
    kept, so a copy of the database cannot be turned into working links."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64)  # its practice is found through TokenRoute
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["practice", "token_hash"], name="invitation_token_unique")]

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
        # Signing in and out, and the account's security (practice.signin_audit)
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGN_OUT = "sign_out", "Signed out"
        TWO_FACTOR_ADDED = "two_factor_added", "Added a second factor"
        TWO_FACTOR_REMOVED = "two_factor_removed", "Removed a second factor"
        PASSWORD_CHANGED = "password_changed", "Changed the password"
        SESSION_ENDED = "session_ended", "Ended a session"
        # A record opened outside the member's usual access, with a stated reason
        EMERGENCY_ACCESS = "emergency_access", "Emergency access"

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


# --- Sign-in security: second factors, signed-in sessions, known browsers (practice.signin) -------


class RecoveryCodes(ThrottlingMixin, Device):
    """A person's set of single-use recovery codes: a second factor for when the phone is lost.
    Only hashes are kept (a code has 80 random bits, so a plain SHA-256 cannot be searched back);
    each code works once, and wrong codes are throttled as wrong authenticator codes are."""

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=recovery_code_hash(token), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return bool(used)

    def get_throttle_factor(self) -> int:
        return 1


def recovery_code_hash(code: str) -> str:
    """The stored form of a recovery code, read however it was typed (case, spaces, dashes)."""
    normalised = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique")]


class SignInSession(models.Model):
    """One browser signed in as a person, for their sessions page: where and when it signed in and
    was last seen. It shadows a Django session (same key); ending it deletes that session too."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    second_factor = models.BooleanField(default=False, help_text="Signed in with a second factor.")

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="signin_session_user_seen")]

    def __str__(self):
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"


class KnownBrowser(models.Model):
    """A browser a person has signed in from before, known by a long-lived random cookie of which
    only the hash is kept. A sign-in from a browser not on the list emails the person."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_browsers")
    token_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token_hash"], name="known_browser_unique")]
