"""Writes for clients and their intake. Keyword arguments only; rules that a person can break
raise ValidationError with a message for them. Call inside the practice's scope."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django_scopes import scope

from clients.intake import KEPT_WHEN_LEFT_EMPTY
from clients.intake_extras import record_extra_consents
from clients.models import Client, EmergencyAccess, IntakeLink, IntakeVersion
from clients.record_access import fresh_record_access
from clients.selectors import latest_intake
from outbox.consent import consent_record
from outbox.kinds import MessageKind, register_kind
from outbox.models import Channel, ConsentEvent, OutboxMessage, Purpose
from outbox.services import enqueue
from practice.audit import Action, audit_record
from practice.models import Membership
from practice.tokens import in_claimed_practice, reading_link, signed_for_practice

INTAKE_LINK_SALT = "clients.intake-link"
INTAKE_LINK = register_kind(MessageKind("intake_link", Purpose.TRANSACTIONAL))
EMAIL_CONFIRMATION = register_kind(MessageKind("email_confirmation", Purpose.TRANSACTIONAL))
EMAIL_CONFIRM_SALT = "clients.email-confirm"
EMERGENCY_ACCESS_NOTICE = register_kind(MessageKind("emergency_access", Purpose.TRANSACTIONAL))


# --- Client records ----------------------------------------------------------------------------


def client_create(*, practice, actor, **fields) -> Client:
    """A new client record. Duplicate checks are the form's business (it asks the person)."""
    client = Client(practice=practice, **fields)
    client.full_clean()
    client.save()
    audit_record(practice=practice, actor=actor, action=Action.CREATE, record=client)
    return client


def client_update(*, client: Client, actor, ip_address=None, **fields) -> Client:
    """Change the client's record; the audit log names the fields that changed."""
    changed = [name for name, value in fields.items() if getattr(client, name) != value]
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.save()
    if {"email", "phone"} & set(changed):
        # Consent is kept per address: the intake's answers now apply to the new one.
        latest = latest_intake(client=client)
        if latest is not None:
            _sync_consents(client=client, version=latest, previous=None, actor=actor, ip_address=ip_address)
    if changed:
        labels = ", ".join(str(Client._meta.get_field(name).verbose_name) for name in changed)
        audit_record(
            practice=client.practice,
            actor=actor,
            action=Action.CHANGE,
            record=client,
            detail=f"changed {labels}"[:300],
            ip_address=ip_address,
        )
    return client


def client_set_status(*, client: Client, status: str, actor) -> Client:
    return client_update(client=client, actor=actor, status=status)


def client_erase(*, client: Client, actor, ip_address=None) -> None:
    """Erase the client and everything kept about them (intake versions, links, queued messages,
    consent entries). The audit trail stays, with this erasure as its last entry."""
    with transaction.atomic():
        audit_record(
            practice=client.practice,
            actor=actor,
            action=Action.DELETE,
            record=client,
            detail="erased the client's record on request",
            ip_address=ip_address,
        )
        OutboxMessage.objects.filter(practice=client.practice, client_ref=client.pk).delete()
        ConsentEvent.objects.filter(practice=client.practice, client_ref=client.pk).delete()
        client.delete()


# --- Intake versions ---------------------------------------------------------------------------


def intake_record(*, client: Client, source: str, answers: dict, actor=None, ip_address=None) -> IntakeVersion:
    """Write the next intake version from `answers` (the IntakeForm's cleaned data) and bring the
    consent ledger in line with it. A staff edit carries the client's signature over from the
    previous version; a client's own submission signs afresh."""
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()  # one new version at a time
        previous = latest_intake(client=client)
        version = IntakeVersion(
            practice=client.practice,
            client=client,
            source=source,
            created_by=actor,
            number=(previous.number + 1) if previous else 1,
            **answers,
        )
        if source == IntakeVersion.Source.CLIENT_LINK:
            version.signed_at, version.signed_ip = timezone.now(), ip_address
        elif previous is not None:
            version.consent_to_treatment = previous.consent_to_treatment
            version.signature_name, version.signed_at, version.signed_ip = (
                previous.signature_name,
                previous.signed_at,
                previous.signed_ip,
            )
        version.save()
        _sync_consents(client=client, version=version, previous=previous, actor=actor, ip_address=ip_address)
        audit_record(
            practice=client.practice,
            actor=actor,
            action=Action.CREATE,
            record=version,
            label=f"{client} · intake v{version.number}",
            detail=version.get_source_display(),
            ip_address=ip_address,
        )
    return version


def _consent_answers(version: IntakeVersion | None) -> dict[tuple[str, str], bool]:
    """What the intake says about each (channel, purpose) the outbox knows."""
    if version is None:
        return {}
    return {
        (Channel.EMAIL, Purpose.REMINDERS): version.reminder_channel == IntakeVersion.ReminderChannel.EMAIL,
        (Channel.SMS, Purpose.REMINDERS): version.reminder_channel == IntakeVersion.ReminderChannel.SMS,
        (Channel.EMAIL, Purpose.CARE): version.followup_consent,
        (Channel.CALL, Purpose.CARE): version.followup_consent,
        (Channel.EMAIL, Purpose.MARKETING): version.marketing_email,
        (Channel.SMS, Purpose.MARKETING): version.marketing_sms,
    }


def _sync_consents(*, client, version, previous, actor, ip_address, channels=frozenset(Channel)):
    """Record in the ledger what `version` says about each channel's address. A grant for an email
    address the client has not confirmed waits: the client is asked to confirm it first, and the
    grants are recorded when they do (a withdrawal is recorded at once)."""
    source = (
        ConsentEvent.Source.INTAKE if version.source == IntakeVersion.Source.CLIENT_LINK else ConsentEvent.Source.STAFF
    )
    addresses = {Channel.EMAIL: client.email, Channel.SMS: client.phone, Channel.CALL: client.phone}
    before = _consent_answers(previous)
    for (channel, purpose), granted in _consent_answers(version).items():
        address = addresses[channel]
        unchanged = previous is not None and before.get((channel, purpose)) == granted
        if not address or unchanged or channel not in channels:
            continue
        if channel == Channel.EMAIL and granted and not client.email_confirmed:
            email_confirmation_send(client=client, actor=actor)
            continue
        consent_record(
            practice=client.practice,
            channel=channel,
            address=address,
            purpose=purpose,
            granted=granted,
            source=source,
            client_ref=client.pk,
            actor=actor,
            ip_address=ip_address,
            note=f"intake v{version.number}",
        )


# --- Self-service intake links -----------------------------------------------------------------


def intake_link_url(link: IntakeLink) -> str:
    token = signed_for_practice({"l": str(link.pk)}, practice_id=link.practice_id, salt=INTAKE_LINK_SALT)
    return settings.SITE_URL + reverse("clients:intake-self", args=[token])


def _may_read_intake(*, practice, user) -> bool:
    membership = Membership.objects.filter(practice=practice, user=user).first() if user else None
    return membership is not None and membership.has_perm("intake.view")


def intake_link_send(*, client: Client, actor, ip_address=None) -> IntakeLink:
    """Email the client a link to fill in (or confirm) their intake, through the outbox.

    The link shows the client's previous answers only when `actor` may read the intake and the
    address is one the client confirmed; otherwise it opens a blank form that keeps the previous
    answers for whatever the client leaves empty. So a role that may not read the intake never
    obtains the answers through a link it sends or an address it typed. Audited: who sent a link
    to which address, and which kind."""
    if not client.email:
        raise ValidationError("Add the client's email address first; the intake link is sent by email.")
    with transaction.atomic():
        prefilled = client.email_confirmed and _may_read_intake(practice=client.practice, user=actor)
        link = IntakeLink.objects.create(
            practice=client.practice,
            client=client,
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INTAKE_LINK_VALID_DAYS),
            sent_to=client.email,
            prefilled=prefilled,
        )
        returning = client.intake_versions.exists()
        _email_the_client(
            client=client,
            kind=INTAKE_LINK,
            idempotency_key=f"intake-link:{link.pk}",
            actor=actor,
            url=intake_link_url(link),
            returning=returning,
            prefilled=prefilled,
            expires_on=formats.date_format(timezone.localtime(link.expires_at), "j F Y"),
        )
        kind = "with the previous answers" if prefilled else "a blank form" if returning else "a first intake"
        audit_record(
            practice=client.practice,
            actor=actor,
            action=Action.SEND,
            record=link,
            label=f"{client} · intake link",
            detail=f"sent an intake link to {client.email} ({kind})",
            ip_address=ip_address,
        )
    return link


class IntakeLinkUnusable(Exception):
    """Why a link cannot be used, in words for the client."""


def intake_link_from_token(token: str) -> IntakeLink:
    """The link a token stands for, or IntakeLinkUnusable saying why not (tampered, unknown,
    expired, already used), read in the practice the signed token names."""
    try:
        claim = signing.loads(token, salt=INTAKE_LINK_SALT)
    except signing.BadSignature:
        raise IntakeLinkUnusable("This link is incomplete or was changed. Use the link from your email.") from None
    link_id = claim.get("l") if isinstance(claim, dict) else claim  # older links signed the id alone
    with reading_link(claim) as practice:
        found = IntakeLink.objects.select_related("client", "practice").filter(pk=link_id)
        link = in_claimed_practice(found, practice).first()
    if link is None:
        raise IntakeLinkUnusable("This link is no longer valid. Ask the practice for a new one.")
    if link.completed_at is not None:
        raise IntakeLinkUnusable(
            "This form was already sent. Thank you! To change something, ask the practice for a new link."
        )
    if link.expires_at <= timezone.now():
        raise IntakeLinkUnusable("This link has expired. Ask the practice for a new one.")
    return link


def _blank_form_answers(*, client: Client, answers: dict) -> dict:
    """On a blank form (a link that does not show the previous answers), what the client leaves
    empty keeps its previous value where the question says so; choices and consents are always
    the client's answer of today."""
    previous = latest_intake(client=client)
    if previous is None:
        return answers
    merged = dict(answers)
    for name in KEPT_WHEN_LEFT_EMPTY:
        if not answers.get(name):
            merged[name] = getattr(previous, name)
    if not answers.get("focus_areas") and not answers.get("avoid_areas"):  # a pair: both kept, or both new
        merged["focus_areas"], merged["avoid_areas"] = previous.focus_areas, previous.avoid_areas
    return merged


def intake_submit_by_link(
    *, link: IntakeLink, client_fields: dict, answers: dict, ip_address=None, extra_consents: frozenset = frozenset()
) -> IntakeVersion:
    """The client's own submission: their details and a new, signed intake version, once, with the
    extra consents they ticked (intake_extras) signed by the same typed signature. Using a link
    sent to the address on file shows that the address is the client's."""
    with transaction.atomic():
        link = IntakeLink.objects.select_for_update().get(pk=link.pk)
        if not link.is_usable:
            raise IntakeLinkUnusable("This form was already sent or the link has expired.")
        client = link.client
        for name, value in client_fields.items():
            setattr(client, name, value)
        if link.sent_to and client.email.lower() == link.sent_to.lower():
            client.confirmed_email = client.email
        client.full_clean()
        client.save()
        if not link.prefilled:
            answers = _blank_form_answers(client=client, answers=answers)
        version = intake_record(
            client=client, source=IntakeVersion.Source.CLIENT_LINK, answers=answers, ip_address=ip_address
        )
        link.completed_at, link.version = timezone.now(), version
        link.save(update_fields=["completed_at", "version"])
        if link.prefilled:  # the page offered them only then
            record_extra_consents(
                client=client, keys=set(extra_consents), signed_name=version.signature_name, ip_address=ip_address
            )
    return version


# --- Confirming an address someone else typed ---------------------------------------------------


def email_confirmation_send(*, client: Client, actor=None) -> None:
    """Ask the client, at the address on file, to confirm it is theirs; once per address."""
    address = client.email.lower()
    token = signed_for_practice(
        {"c": str(client.pk), "e": address}, practice_id=client.practice_id, salt=EMAIL_CONFIRM_SALT
    )
    _email_the_client(
        client=client,
        kind=EMAIL_CONFIRMATION,
        idempotency_key=f"email-confirm:{client.pk}:{address}",
        actor=actor,
        url=settings.SITE_URL + reverse("clients:email-confirm", args=[token]),
    )


def _email_the_client(*, client: Client, kind: MessageKind, idempotency_key: str, actor, **context) -> None:
    """A service email (no consent needed) to the client's address."""
    enqueue(
        practice=client.practice,
        kind=kind,
        address=client.email,
        client_ref=client.pk,
        created_by=actor,
        idempotency_key=idempotency_key,
        context={"first_name": client.preferred_name or client.first_name, **context},
    )


def email_confirm(*, token: str, ip_address=None) -> Client | None:
    """The client opened the confirmation link: the address is theirs, and the email consents their
    latest intake gives are recorded for it. None if the link is forged, too old, or the address
    on file changed since it was sent. Read in the practice the signed token names."""
    try:
        claim = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=timedelta(days=30))
    except signing.BadSignature:
        return None
    with reading_link(claim) as practice:
        client = in_claimed_practice(Client.objects.select_related("practice").filter(pk=claim["c"]), practice).first()
    if client is None or client.email.lower() != claim["e"]:
        return None
    with scope(practice=client.practice), transaction.atomic():
        if not client.email_confirmed:
            client.confirmed_email = client.email
            client.save(update_fields=["confirmed_email", "updated_at"])
            audit_record(
                practice=client.practice,
                actor=None,
                actor_label="the client (confirmation link)",
                action=Action.CHANGE,
                record=client,
                detail=f"confirmed the email address {client.email}",
                ip_address=ip_address,
            )
            latest = latest_intake(client=client)
            if latest is not None:
                _sync_consents(
                    client=client,
                    version=latest,
                    previous=None,
                    actor=None,
                    ip_address=ip_address,
                    channels={Channel.EMAIL},
                )
    return client


# --- Emergency access ("break glass") ------------------------------------------------------------


def emergency_access_grant(*, client: Client, actor, reason: str, ip_address=None) -> EmergencyAccess:
    """Open `client`'s record to `actor`, a therapist kept to their own clients who has not seen this
    one, for settings.EMERGENCY_ACCESS_MINUTES, for the reason they state. Audited with the reason;
    every owner of the practice is emailed. While a grant of the same person for the same client is
    active it is extended instead (the client's row is locked, so two requests at once make one
    grant), and the owners are not emailed again. Refused for someone who can already read the
    record, or who may not read records at all."""
    reason = " ".join(reason.split())
    if len(reason) < EmergencyAccess.REASON_MIN_LENGTH:
        raise ValidationError(
            f"Say in a sentence why you need the record (at least {EmergencyAccess.REASON_MIN_LENGTH} characters)."
        )
    if len(reason) > EmergencyAccess.REASON_MAX_LENGTH:
        raise ValidationError(f"Keep the reason under {EmergencyAccess.REASON_MAX_LENGTH} characters.")
    practice = client.practice
    membership = Membership.objects.filter(practice=practice, user=actor).select_related("practice").first()
    if membership is None or not membership.has_perm("notes.view"):
        raise ValidationError("Your role does not read clients' records.")
    with transaction.atomic():
        Client.objects.select_for_update().filter(practice=practice, pk=client.pk).first()  # one grant at a time
        if fresh_record_access(membership, client).in_care:
            raise ValidationError(f"You can already read {client}'s record.")
        now = timezone.now()
        until = now + timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES)
        grant = EmergencyAccess.objects.filter(practice=practice, client=client, user=actor, expires_at__gt=now).first()
        extended = grant is not None
        if extended:
            grant.expires_at, grant.reason = until, reason
            grant.save(update_fields=["expires_at", "reason"])
        else:
            grant = EmergencyAccess.objects.create(
                practice=practice, client=client, user=actor, reason=reason, granted_at=now, expires_at=until
            )
        local_until = formats.time_format(timezone.localtime(until, practice.zone), "H:i")
        audit_record(
            practice=practice,
            actor=actor,
            action=Action.EMERGENCY_ACCESS,
            record=grant,
            label=str(client),
            detail=f"{'extended' if extended else 'granted'} until {local_until}; reason: {reason}"[:300],
            ip_address=ip_address,
        )
        if not extended:
            _tell_the_owners(grant=grant, until=local_until)
    return grant


def _tell_the_owners(*, grant: EmergencyAccess, until: str) -> None:
    """An email to each owner: who opened whose record, until when, and where to read the reason
    (the audit log; the email itself carries no words about the client's health)."""
    practice = grant.practice
    owners = Membership.objects.filter(practice=practice, role=Membership.Role.OWNER, user__is_active=True)
    audit_url = settings.SITE_URL + reverse("practice:audit-list", kwargs={"practice_slug": practice.slug})
    for owner in owners.select_related("user"):
        enqueue(
            practice=practice,
            kind=EMERGENCY_ACCESS_NOTICE,
            address=owner.user.email,
            idempotency_key=f"emergency-access:{grant.pk}:{owner.user_id}",
            created_by=grant.user,
            context={
                "therapist": str(grant.user),
                "client": str(grant.client),
                "minutes": settings.EMERGENCY_ACCESS_MINUTES,
                "until": until,
                "url": f"{audit_url}?action={Action.EMERGENCY_ACCESS}",
            },
        )
