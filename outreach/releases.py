"""Release authorisations: without a valid one for a client and partner, no progress report can
be created or sent (the reports themselves come with the progress-reports feature)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from practice.audit import Action, audit_record

from .models import ReleaseAuthorisation


def release_record(*, client, partner, signed_name: str, actor, ip_address=None,
                   expires_on: date | None = None) -> ReleaseAuthorisation:
    """Record the client's signed permission (typed in the clinic), by default for a year."""
    if partner.practice_id != client.practice_id:
        raise ValidationError("That partner belongs to another practice.")
    if signed_name.strip().lower() != client.full_name.lower():
        raise ValidationError(f"The client signs by typing their full name: {client.full_name}.")
    today = timezone.localdate(timezone=client.practice.zone)
    expires_on = expires_on or today + timedelta(days=365)
    if expires_on <= today:
        raise ValidationError("The authorisation must run until a future date.")
    release = ReleaseAuthorisation.objects.create(
        practice=client.practice, client=client, partner=partner, signed_name=signed_name.strip(),
        signed_at=timezone.now(), signed_ip=ip_address, expires_on=expires_on, recorded_by=actor)
    audit_record(practice=client.practice, actor=actor, action=Action.CREATE, record=release,
                 label=f"{client} → {partner}", detail="release of information signed", ip_address=ip_address)
    return release


def release_revoke(*, release: ReleaseAuthorisation, actor, ip_address=None) -> ReleaseAuthorisation:
    if release.revoked_at is None:
        release.revoked_at = timezone.now()
        release.save(update_fields=["revoked_at"])
        audit_record(practice=release.practice, actor=actor, action=Action.CHANGE, record=release,
                     label=f"{release.client} → {release.partner}", detail="release revoked", ip_address=ip_address)
    return release


def valid_release(*, client, partner) -> ReleaseAuthorisation | None:
    """The authorisation in force today for this client and partner, if any."""
    today = timezone.localdate(timezone=client.practice.zone)
    return (ReleaseAuthorisation.objects.filter(practice=client.practice, client=client, partner=partner,
                                                revoked_at__isnull=True, expires_on__gte=today)
            .order_by("-signed_at").first())


def release_refusal(*, client, partner) -> str:
    """Why no report may go to this partner now, in words for the screen; empty when one may."""
    if valid_release(client=client, partner=partner) is not None:
        return ""
    latest = (ReleaseAuthorisation.objects.filter(practice=client.practice, client=client, partner=partner)
              .order_by("-signed_at").first())
    if latest is None:
        return f"{client} has not authorised reports to {partner}. Ask them to sign a release first."
    if latest.revoked_at:
        return f"{client} revoked their authorisation for {partner} on {latest.revoked_at:%d %b %Y}."
    return f"{client}'s authorisation for {partner} expired on {latest.expires_on:%d %b %Y}."
