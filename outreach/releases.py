"""Release authorisations: without a valid one for a client and partner, no progress report can
be created, signed or sent. Signed in the clinic, or by the client on their self-service intake
page when staff asked for it (a release request)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.intake_extras import ExtraConsent
from clients.services import intake_link_send
from practice.audit import Action, audit_record

from .models import ReleaseAuthorisation, ReleaseRequest


def _expiry(client, expires_on: date | None) -> date:
    """The date given, by default a year from today; it must lie in the future."""
    today = timezone.localdate(timezone=client.practice.zone)
    expires_on = expires_on or today + timedelta(days=365)
    if expires_on <= today:
        raise ValidationError("The authorisation must run until a future date.")
    return expires_on


def release_record(
    *,
    client,
    partner,
    signed_name: str,
    actor,
    ip_address=None,
    expires_on: date | None = None,
    source: str = ReleaseAuthorisation.Source.CLINIC,
) -> ReleaseAuthorisation:
    """Record the client's signed permission, by default for a year. In the clinic the client types
    their full name on the staff's screen; through their own intake link the link is their proof
    and their typed signature is taken as given."""
    if partner.practice_id != client.practice_id:
        raise ValidationError("That partner belongs to another practice.")
    in_clinic = source == ReleaseAuthorisation.Source.CLINIC
    if in_clinic and signed_name.strip().lower() != client.full_name.lower():
        raise ValidationError(f"The client signs by typing their full name: {client.full_name}.")
    release = ReleaseAuthorisation.objects.create(
        practice=client.practice,
        client=client,
        partner=partner,
        signed_name=signed_name.strip(),
        signed_at=timezone.now(),
        signed_ip=ip_address,
        expires_on=_expiry(client, expires_on),
        recorded_by=actor,
        source=source,
    )
    audit_record(
        practice=client.practice,
        actor=actor,
        actor_label="the client (intake link)",
        action=Action.CREATE,
        record=release,
        label=f"{client} → {partner}",
        detail=f"release of information signed {ReleaseAuthorisation.Source(source).label.lower()}",
        ip_address=ip_address,
    )
    return release


# --- Asking the client to sign through their self-service intake link ----------------------------


def release_request(*, client, partner, actor, expires_on: date | None = None) -> ReleaseRequest:
    """Ask the client to sign a release for `partner` on their intake page, and email them the link."""
    if partner.practice_id != client.practice_id:
        raise ValidationError("That partner belongs to another practice.")
    with transaction.atomic():
        request = ReleaseRequest.objects.create(
            practice=client.practice,
            client=client,
            partner=partner,
            expires_on=_expiry(client, expires_on),
            requested_by=actor,
        )
        intake_link_send(client=client, actor=actor)
    return request


def _open_requests(client):
    return ReleaseRequest.objects.filter(
        practice=client.practice, client=client, release__isnull=True, withdrawn_at__isnull=True
    ).select_related("partner")


def offered_releases(client) -> list[ExtraConsent]:
    """The intake page's checkboxes: one per open request, in the words the client signs."""
    practice = client.practice
    return [
        ExtraConsent(
            key=f"release-{request.pk}",
            heading=f"Progress reports to {request.partner}",
            text=(
                f"I authorise {practice.name} to send progress reports about my massage therapy to {request.partner} "
                f"until {request.expires_on:%d %B %Y}, or until I revoke this."
            ),
        )
        for request in _open_requests(client)
    ]


def sign_offered_releases(client, keys: set[str], signed_name: str, ip_address) -> None:
    """Record the releases the client ticked on their intake page (inside its transaction)."""
    for request in _open_requests(client):
        if f"release-{request.pk}" in keys:
            request.release = release_record(
                client=client,
                partner=request.partner,
                signed_name=signed_name,
                actor=None,
                ip_address=ip_address,
                expires_on=request.expires_on,
                source=ReleaseAuthorisation.Source.INTAKE_LINK,
            )
            request.save(update_fields=["release"])


def release_revoke(*, release: ReleaseAuthorisation, actor, ip_address=None) -> ReleaseAuthorisation:
    if release.revoked_at is None:
        release.revoked_at = timezone.now()
        release.save(update_fields=["revoked_at"])
        audit_record(
            practice=release.practice,
            actor=actor,
            action=Action.CHANGE,
            record=release,
            label=f"{release.client} → {release.partner}",
            detail="release revoked",
            ip_address=ip_address,
        )
    return release


def valid_release(*, client, partner) -> ReleaseAuthorisation | None:
    """The authorisation in force today for this client and partner, if any."""
    today = timezone.localdate(timezone=client.practice.zone)
    return (
        ReleaseAuthorisation.objects.filter(
            practice=client.practice, client=client, partner=partner, revoked_at__isnull=True, expires_on__gte=today
        )
        .order_by("-signed_at")
        .first()
    )


def release_refusal(*, client, partner) -> str:
    """Why no report may go to this partner now, in words for the screen; empty when one may."""
    if valid_release(client=client, partner=partner) is not None:
        return ""
    latest = (
        ReleaseAuthorisation.objects.filter(practice=client.practice, client=client, partner=partner)
        .order_by("-signed_at")
        .first()
    )
    if latest is None:
        return f"{client} has not authorised reports to {partner}. Ask them to sign a release first."
    if latest.revoked_at:
        return f"{client} revoked their authorisation for {partner} on {latest.revoked_at:%d %b %Y}."
    return f"{client}'s authorisation for {partner} expired on {latest.expires_on:%d %b %Y}."
