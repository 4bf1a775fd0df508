"""Secure links that give a referring partner one progress report.

A link is minted when its email goes out (a context refresher of the outbox), so the random token
never rests anywhere but in that email; the share row keeps its SHA-256. Opening the report also
takes a one-time code, minted the same way and emailed to the partner's address on file, so a
forwarded email alone opens nothing. Every use is recorded as a ShareAccess row, and views and
downloads also in the practice's audit trail.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_scopes import scope

from outbox.kinds import MessageKind, register_kind
from outbox.models import OutboxMessage, Purpose
from outbox.services import dispatch_soon, enqueue, message_cancel_by_key
from practice.audit import Action, audit_record
from practice.models import Practice
from practice.tokens import new_token, token_hash

from .models import ProgressReport, ReportShare, ShareAccess
from .pdf import open_private
from .releases import release_refusal, valid_release

Event = ShareAccess.Event


@dataclass(frozen=True)
class Visitor:
    """Who used a link, as the record keeps it: their address and browser (the view reads them
    from the request; the functions here know no HTTP)."""

    ip_address: str | None
    user_agent: str = ""


LINK_DAYS = 30
CODE_MINUTES = 15
CODE_MAX_FAILURES = 5
ACCESS_MINUTES = 30  # how long a right code keeps the partner's reports open in that browser


def _code_digest(share: ReportShare, code: str) -> str:
    # Six digits are few: keyed with the server's secret, a leaked hash cannot be tried offline.
    return salted_hmac("outreach.report-code", f"{share.pk}:{code}", algorithm="sha256").hexdigest()


def _share_key(share_id) -> str:
    return f"report-share:{share_id}"


# --- Staff side ---------------------------------------------------------------------------------


def share_send(*, report: ProgressReport, actor, ip_address=None) -> ReportShare:
    """Email the report's partner a link to it, through the outbox."""
    if report.status != ProgressReport.Status.READY:
        raise ValidationError("The PDF is not ready yet; send it once it has rendered.")
    refusal = release_refusal(client=report.client, partner=report.partner)
    if refusal:
        raise ValidationError(refusal)
    if not report.partner.email:
        raise ValidationError(
            f"{report.partner} has no email address on file. Add one on the partner's page, "
            "or download the PDF to print or fax."
        )
    share = ReportShare.objects.create(
        practice=report.practice,
        report=report,
        partner=report.partner,
        address=report.partner.email,
        expires_at=timezone.now() + timedelta(days=LINK_DAYS),
        created_by=actor,
    )
    share.outbox_message = enqueue(
        practice=report.practice,
        kind=REPORT_SHARE,
        address=share.address,
        idempotency_key=_share_key(share.pk),
        created_by=actor,
        context={"share_id": str(share.pk)},
    )
    share.save(update_fields=["outbox_message"])
    audit_record(
        practice=report.practice,
        actor=actor,
        action=Action.SEND,
        record=report,
        label=f"{report.client} · progress report",
        detail=f"link emailed to {report.partner}",
        ip_address=ip_address,
    )
    return share


def share_revoke(*, share: ReportShare, actor, ip_address=None) -> ReportShare:
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        message_cancel_by_key(practice=share.practice, idempotency_key=_share_key(share.pk))
        audit_record(
            practice=share.practice,
            actor=actor,
            action=Action.CHANGE,
            record=share.report,
            label=f"{share.report.client} · progress report",
            detail=f"link for {share.partner} revoked",
            ip_address=ip_address,
        )
    return share


# --- Minted at send time (outbox context refreshers and skip checks) -----------------------------


def _share_of(message: OutboxMessage) -> ReportShare:
    return ReportShare.objects.select_related("report", "partner", "report__client").get(
        practice=message.practice, pk=message.context["share_id"]
    )


def share_link_context(message: OutboxMessage) -> dict:
    """A fresh random token for the email about to go out; only its hash is kept."""
    share = _share_of(message)
    token = new_token()
    share.token_hash = token_hash(token)
    share.save(update_fields=["token_hash"])
    return {
        "link": settings.SITE_URL + reverse("outreach:shared-report", args=[share.practice.slug, token]),
        "expires_on": f"{timezone.localtime(share.expires_at, share.practice.zone):%d %B %Y}",
        "partner_name": share.partner.contact_name or str(share.partner),
    }


def share_code_context(message: OutboxMessage) -> dict:
    """A fresh one-time code for the email about to go out; it replaces any earlier code."""
    share = _share_of(message)
    code = f"{secrets.randbelow(10**6):06d}"
    share.code_hash = _code_digest(share, code)
    share.code_expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    share.code_failures = 0
    share.save(update_fields=["code_hash", "code_expires_at", "code_failures"])
    return {"code": code, "minutes": CODE_MINUTES}


def share_skip_reason(message: OutboxMessage) -> str:
    """A link or code that may no longer go out: revoked, expired, or the release withdrawn."""
    share = _share_of(message)
    return share_refusal(share)


# --- The partner's side -------------------------------------------------------------------------


def share_from_token(*, practice_slug: str, token: str) -> ReportShare | None:
    """The share behind a link, or None for a made-up, tampered or other practice's link."""
    if not token or len(token) > 100:
        return None
    practice = Practice.objects.filter(slug=practice_slug).first()
    if practice is None:
        return None
    with scope(practice=practice):
        return (
            ReportShare.objects.select_related("practice", "report", "partner", "report__client")
            .filter(practice=practice, token_hash=token_hash(token))
            .first()
        )


def share_refusal(share: ReportShare) -> str:
    """Why this link no longer opens its report, in words for the partner; empty when it does.
    Never names the client: whoever holds the link may not be the partner."""
    if share.revoked_at:
        return "The practice has withdrawn this link."
    if share.expires_at <= timezone.now():
        return f"This link expired on {timezone.localtime(share.expires_at, share.practice.zone):%d %b %Y}."
    if valid_release(client=share.report.client, partner=share.partner) is None:
        return "This report can no longer be shared. Please contact the practice."
    if share.report.status != ProgressReport.Status.READY:
        return "This report is not available at the moment. Please try again later."
    return ""


def access_record(*, share: ReportShare, event: str, visitor: Visitor, detail: str = "") -> ShareAccess:
    """Record one use of the link (when, from where, which browser); views and downloads also go to
    the practice's audit trail, under the partner's name."""
    ip_address = visitor.ip_address
    access = ShareAccess.objects.create(
        practice=share.practice,
        share=share,
        event=event,
        detail=detail[:200],
        ip_address=ip_address,
        user_agent=visitor.user_agent[:300],
    )
    if event in (Event.VIEW, Event.DOWNLOAD):
        audit_record(
            practice=share.practice,
            actor=None,
            actor_label=f"{share.partner} (report link)",
            action=Action.DOWNLOAD if event == Event.DOWNLOAD else Action.VIEW,
            record=share.report,
            label=f"{share.report.client} · progress report",
            detail=f"{access.get_event_display()} {detail}",
            ip_address=ip_address,
        )
    if event == Event.VIEW and share.first_opened_at is None:
        share.first_opened_at = access.at
        share.save(update_fields=["first_opened_at"])
    return access


def code_request(*, share: ReportShare, visitor: Visitor) -> None:
    """Email a one-time code to the partner's address on file (now, not when the link was sent)."""
    address = share.partner.email
    if not address:
        raise ValidationError("The practice has no email address for you on file. Please contact them.")
    enqueue(
        practice=share.practice,
        kind=REPORT_CODE,
        address=address,
        idempotency_key=f"report-code:{share.pk}:{secrets.token_hex(8)}",
        context={"share_id": str(share.pk)},
    )
    dispatch_soon()
    access_record(share=share, event=Event.CODE_SENT, visitor=visitor)


def code_verify(*, share: ReportShare, code: str, visitor: Visitor) -> None:
    """Accept the code once, or raise with what to do next; the caller then opens the partner's
    reports in that browser (grant_access). Every entry is recorded. The share's row is locked while
    a code is checked, so parallel guesses are counted one by one against the limit and a right code
    cannot be used twice."""
    code = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        locked = ReportShare.objects.select_for_update().get(practice=share.practice, pk=share.pk)
        problem = _code_problem(locked, code)
        if problem == WRONG_CODE:
            locked.code_failures += 1
            locked.save(update_fields=["code_failures"])
        elif problem is None:
            locked.code_hash = ""  # one use only
            locked.save(update_fields=["code_hash"])
    if problem is None:
        access_record(share=share, event=Event.CODE_OK, visitor=visitor)
        return
    access_record(share=share, event=Event.CODE_WRONG, visitor=visitor, detail=problem)
    raise ValidationError(problem)


WRONG_CODE = "That code is not right. Check the latest email and try again."


def _code_problem(share: ReportShare, code: str) -> str | None:
    if not share.code_hash or share.code_expires_at is None or share.code_expires_at <= timezone.now():
        return "There is no code in force: ask for a new one."
    if share.code_failures >= CODE_MAX_FAILURES:
        return "Too many wrong codes. Ask for a new one."
    if not constant_time_compare(_code_digest(share, code), share.code_hash):
        return WRONG_CODE
    return None


def _session_key(share: ReportShare) -> str:
    return f"report-access:{share.practice_id}:{share.partner_id}"


def grant_access(*, session, share: ReportShare) -> None:
    """After a right code: this browser's session opens the partner's reports for a while."""
    until = timezone.now() + timedelta(minutes=ACCESS_MINUTES)
    session[_session_key(share)] = until.timestamp()
    session.cycle_key()


def access_granted(*, session, share: ReportShare) -> bool:
    """True while this browser has entered a right code for this share's partner."""
    until = session.get(_session_key(share))
    return until is not None and until > timezone.now().timestamp()


def partner_shares(share: ReportShare) -> list[ReportShare]:
    """The partner's links of this practice that still open their report, one per report (the
    latest), newest first: what a doctor who came in by one link may also download."""
    candidates = (
        ReportShare.objects.select_related("practice", "report", "partner", "report__client")
        .filter(practice=share.practice, partner=share.partner, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .exclude(token_hash="")
        .order_by("-created_at")
    )
    latest_by_report = {}
    for candidate in candidates:
        if candidate.report_id not in latest_by_report and not share_refusal(candidate):
            latest_by_report[candidate.report_id] = candidate
    return list(latest_by_report.values())


def share_download(*, share: ReportShare, visitor: Visitor) -> bytes:
    """The PDF's bytes, counted and recorded."""
    content = open_private(share.report.pdf_name, sha256=share.report.pdf_sha256)
    ReportShare.objects.filter(practice=share.practice, pk=share.pk).update(
        download_count=F("download_count") + 1, last_downloaded_at=timezone.now()
    )  # counted in the database: parallel downloads each count
    access_record(share=share, event=Event.DOWNLOAD, visitor=visitor)
    return content


# --- Message kinds ------------------------------------------------------------------------------

REPORT_SHARE = register_kind(
    MessageKind("report_share", Purpose.TRANSACTIONAL, refresh=share_link_context, skip_check=share_skip_reason)
)
REPORT_CODE = register_kind(
    MessageKind("report_code", Purpose.TRANSACTIONAL, refresh=share_code_context, skip_check=share_skip_reason)
)
