"""Progress reports: the staff's pages (draft, sign, watch it render, send, download to print or
fax) and the referring partner's one public page (one-time code, then the PDF)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh
from django_scopes import scope

from clients.record_access import readable_rows
from clients.selectors import client_get
from outreach.forms import ReportCreateForm, ReportNarrativeForm
from outreach.models import ProgressReport, ReportShare, ShareAccess
from outreach.pdf import open_private
from outreach.releases import release_refusal
from outreach.reports import default_period, report_create, report_request_render, report_save_draft, report_sign
from outreach.shares import (
    Visitor,
    access_granted,
    access_record,
    code_request,
    code_verify,
    grant_access,
    partner_shares,
    share_download,
    share_from_token,
    share_refusal,
    share_revoke,
    share_send,
)
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.audit import Action, audit_request
from practice.net import client_ip
from practice.paging import paginate
from practice.ratelimit import over_limit
from referrals.models import Partner


def _report(request, report_id) -> ProgressReport:
    return get_object_or_404(
        ProgressReport.objects.select_related("client", "partner"), practice=request.practice, pk=report_id
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(report: ProgressReport) -> str:
    return f"progress-report-{report.client.last_name.lower() or 'client'}-{report.signed_at:%Y-%m-%d}.pdf"


# --- Staff --------------------------------------------------------------------------------------


@requires("reports.manage")
def report_list(request, practice_slug):
    reports = (
        ProgressReport.objects.filter(practice=request.practice)
        .select_related("client", "partner")
        .prefetch_related("shares__outbox_message")
    )
    # A therapist kept to their own clients sees their reports only (clients.record_access).
    reports = readable_rows(request.membership, reports)
    page, query = paginate(request, reports)
    return render(request, "outreach/report_list.html", {"page": page, "query": query})


@requires("reports.manage")
def client_reports(request, practice_slug, client_id):
    """A client's reports, and a new draft for a partner the client has authorised."""
    client = client_get(practice=request.practice, client_id=client_id)
    partners = Partner.objects.filter(practice=request.practice, release_authorisations__client=client).distinct()
    authorised = [partner for partner in partners if not release_refusal(client=client, partner=partner)]
    start, end = default_period(request.practice)
    form = ReportCreateForm(
        request.POST or None,
        initial={"period_start": start, "period_end": end},
        partners=partners.filter(pk__in=[partner.pk for partner in authorised]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = report_create(
                client=client, actor=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Draft ready: check each section in your own words, then sign.")
            return redirect("outreach:report-detail", practice_slug=practice_slug, report_id=report.pk)
    return render(
        request,
        "outreach/client_reports.html",
        {
            "client": client,
            "form": form,
            "authorised": authorised,
            "refusals": [release_refusal(client=client, partner=p) for p in partners if p not in authorised],
            "reports": ProgressReport.objects.filter(practice=request.practice, client=client).select_related(
                "partner"
            ),
        },
        status=400 if form.errors else 200,
    )


@requires("reports.manage")
def report_detail(request, practice_slug, report_id):
    """A draft to edit and sign; a signed report with its PDF, links and who opened them."""
    report = _report(request, report_id)
    form = ReportNarrativeForm(request.POST or None, instance=report) if not report.is_signed else None
    if form is not None and request.method == "POST":
        if form.is_valid():
            try:
                report_save_draft(report=report, fields=form.cleaned_data)
                if request.POST.get("action") == "sign":
                    report_sign(report=report, actor=request.user, ip_address=client_ip(request))
                    messages.success(request, "Signed. The PDF is being made.")
                else:
                    messages.success(request, "Draft saved.")
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("outreach:report-detail", practice_slug=practice_slug, report_id=report.pk)
    return render(
        request,
        "outreach/report_detail.html",
        {
            "report": report,
            "client": report.client,
            "form": form,
            "refusal": release_refusal(client=report.client, partner=report.partner),
            "shares": report.shares.select_related("outbox_message").prefetch_related("accesses"),
        },
        status=400 if form is not None and form.errors else 200,
    )


@requires("reports.manage")
def report_status(request, practice_slug, report_id):
    """htmx, every two seconds while the PDF renders; once it is done, the whole page reloads so
    that the send button and the messages match the new state."""
    report = _report(request, report_id)
    if request.htmx and not report.is_rendering:
        return HttpResponseClientRefresh()
    return render(request, "outreach/_report_status.html", {"report": report})


@requires("reports.manage")
def report_pdf(request, practice_slug, report_id):
    """The PDF for staff: to read, print or fax. Audited."""
    report = _report(request, report_id)
    if report.status != ProgressReport.Status.READY:
        messages.error(request, "The PDF is not ready yet.")
        return redirect("outreach:report-detail", practice_slug=practice_slug, report_id=report.pk)
    content = open_private(report.pdf_name, sha256=report.pdf_sha256)
    audit_request(
        request,
        action=Action.DOWNLOAD,
        record=report,
        label=f"{report.client} · progress report",
        detail="PDF downloaded by staff",
    )
    response = _pdf_response(content, _filename(report))
    response["Cache-Control"] = "private, no-store"
    return response


def _report_action(request, practice_slug, report_id, action, done):
    report = _report(request, report_id)
    attempt(request, lambda: action(report), done=lambda _: done(report))
    return redirect("outreach:report-detail", practice_slug=practice_slug, report_id=report.pk)


@require_POST
@requires("reports.manage")
def report_send(request, practice_slug, report_id):
    return _report_action(
        request,
        practice_slug,
        report_id,
        lambda report: share_send(report=report, actor=request.user, ip_address=client_ip(request)),
        lambda report: f"A secure link is on its way to {report.partner.email}.",
    )


@require_POST
@requires("reports.manage")
def report_render_again(request, practice_slug, report_id):
    return _report_action(
        request,
        practice_slug,
        report_id,
        lambda report: report_request_render(report=report),
        lambda report: "Rendering again.",
    )


@require_POST
@requires("reports.manage")
def share_revoke_view(request, practice_slug, report_id, share_id):
    share = get_object_or_404(ReportShare, practice=request.practice, report_id=report_id, pk=share_id)
    share_revoke(share=share, actor=request.user, ip_address=client_ip(request))
    messages.success(request, f"The link for {share.partner} no longer works.")
    return redirect("outreach:report-detail", practice_slug=practice_slug, report_id=report_id)


# --- The referring partner's page -----------------------------------------------------------------


def private_page(view):
    """Public pages about a report: their address is never sent on as a referrer nor indexed (like
    every page, they are never cached: practice.middleware.NoStoreMiddleware)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _throttled(request, share: ReportShare) -> bool:
    return over_limit(f"report-link:{share.pk}", limit=20, window_seconds=3600) or over_limit(
        f"report-ip:{client_ip(request)}", limit=60, window_seconds=3600
    )


def _unusable(request, status: int, message: str, practice=None) -> HttpResponse:
    return render(request, "outreach/shared_report.html", {"unusable": message, "practice": practice}, status=status)


# The unguessable token in the address is the credential, so a forged cross-site POST would need it
# already. And the page must send no referrer, under which browsers send "Origin: null" with its
# forms, which Django's CSRF check refuses; so this view does without CSRF, like unsubscribe.
@csrf_exempt
@requires(PUBLIC)
@private_page
def shared_report(request, practice_slug, token):
    """The link from the email: asks for a one-time code, then offers the PDF (and the partner's
    other reports from this practice still open to them)."""
    share = share_from_token(practice_slug=practice_slug, token=token)
    if share is None:
        return _unusable(request, 404, "This link is not valid. Check that you copied the whole address.")
    with scope(practice=share.practice):
        refusal = share_refusal(share)
        if refusal:
            access_record(share=share, event=ShareAccess.Event.REFUSED, visitor=_visitor(request), detail=refusal)
            return _unusable(request, 410, refusal, share.practice)
        if _throttled(request, share):
            return _unusable(request, 429, "Too many attempts. Please wait an hour and try again.", share.practice)
        error, status = "", 200
        if request.method == "POST":
            try:
                if request.POST.get("action") == "send_code":
                    code_request(share=share, visitor=_visitor(request))
                    messages.success(request, "We have emailed you a code. It may take a minute to arrive.")
                else:
                    code_verify(share=share, code=request.POST.get("code", ""), visitor=_visitor(request))
                    grant_access(session=request.session, share=share)
                return redirect("outreach:shared-report", practice_slug=practice_slug, token=token)
            except ValidationError as problem:
                error, status = problem.messages[0], 400
        else:
            access_record(share=share, event=ShareAccess.Event.VIEW, visitor=_visitor(request))
        granted = access_granted(session=request.session, share=share)
        return render(
            request,
            "outreach/shared_report.html",
            {
                "share": share,
                "practice": share.practice,
                "token": token,
                "error": error,
                "granted": granted,
                "report_date": timezone.localtime(share.report.signed_at, share.practice.zone).date(),
                "others": [other for other in partner_shares(share) if other.pk != share.pk] if granted else [],
                "masked_address": _masked(share.partner.email),
            },
            status=status,
        )


def _masked(address: str) -> str:
    """d•••@clinic.example: enough for the partner to recognise, not to learn an address."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else ""


@requires(PUBLIC)
@private_page
def shared_report_pdf(request, practice_slug, token, share_id=None):
    """The PDF, for a browser that entered the code: this link's report, or (share_id) another of
    the same partner's reports from this practice that is still open to them."""
    share = share_from_token(practice_slug=practice_slug, token=token)
    if share is None:
        return _unusable(request, 404, "This link is not valid. Check that you copied the whole address.")
    with scope(practice=share.practice):
        if share_id is not None:
            share = next((other for other in partner_shares(share) if other.pk == share_id), None)
            if share is None:
                return _unusable(request, 404, "That report is not available from this link.")
        refusal = share_refusal(share)
        if refusal or not access_granted(session=request.session, share=share):
            detail = refusal or "no code entered"
            access_record(share=share, event=ShareAccess.Event.REFUSED, visitor=_visitor(request), detail=detail)
            if refusal:
                return _unusable(request, 410, refusal, share.practice)
            return redirect("outreach:shared-report", practice_slug=practice_slug, token=token)
        return _pdf_response(share_download(share=share, visitor=_visitor(request)), _filename(share.report))


def _visitor(request) -> Visitor:
    return Visitor(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
