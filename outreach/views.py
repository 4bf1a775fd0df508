"""The practice's outbox and call list for staff, follow-up settings, and the public pages:
one-click unsubscribe, self-rebooking and feedback on a visit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients.selectors import client_get
from library.links import handout_links
from library.selectors import articles_list
from outbox.consent import consent_record
from outbox.links import read_unsubscribe_token
from outbox.models import ConsentEvent, OutboxMessage, Purpose
from outbox.services import message_cancel, message_retry
from outreach import selectors
from outreach.calls import call_record_outcome, calls_due
from outreach.feedback import (
    ANSWERS,
    LinkExpired,
    LinkNotValid,
    client_answers,
    feedback_of,
    feedback_path,
    feedback_pressure_accept,
    feedback_record,
    unanswered,
    visit_from_feedback_token,
)
from outreach.followups import (
    AlreadyRebooked,
    NotOffered,
    followup_settings_save,
    rebook_by_link,
    rebook_offer,
    rebook_path,
    rebooked_by_link,
    settings_for,
    visit_from_rebook_token,
)
from outreach.forms import FeedbackForm, FollowUpSettingsForm, NewsletterForm, NewsletterScheduleForm, OutboxFilterForm
from outreach.models import CallTask, Newsletter, ReleaseAuthorisation, ReleaseRequest
from outreach.newsletters import (
    audience_clients,
    newsletter_insert_article,
    newsletter_progress,
    newsletter_save,
    newsletter_schedule,
    newsletter_send_test,
    render_markdown,
)
from outreach.releases import release_record, release_request, release_revoke
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.models import Practice
from practice.net import client_ip
from practice.paging import paginate
from practice.parsing import read_date, read_datetime, read_uuid
from practice.ratelimit import over_limit
from referrals.models import Partner
from sessions.models import Appointment
from sessions.selectors import next_booked
from sessions.selectors import therapists as therapists_of
from sessions.services import SlotTaken


@requires("outbox.view")
def outbox_list(request, practice_slug):
    practice = request.practice
    form = OutboxFilterForm(request.GET or None, kinds=selectors.outbox_kinds(practice=practice))
    filters = form.cleaned_data if form.is_valid() else {}
    page, query = paginate(request, selectors.outbox_messages(practice=practice, **filters))
    counts = selectors.outbox_status_counts(practice=practice)
    return render(
        request,
        "outreach/outbox_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "status_counts": [(value, label, counts.get(value, 0)) for value, label in OutboxMessage.Status.choices],
        },
    )


def _message(request, message_id) -> OutboxMessage:
    """A message of the request's practice; 404 for anyone else's."""
    return get_object_or_404(OutboxMessage, practice=request.practice, pk=message_id)


@requires("outbox.view")
def outbox_detail(request, practice_slug, message_id):
    return render(request, "outreach/outbox_detail.html", {"message": _message(request, message_id)})


def _staff_action(request, practice_slug, message_id, action, done):
    message = _message(request, message_id)
    attempt(request, lambda: action(message=message), done=done)
    return redirect("outreach:outbox-detail", practice_slug=practice_slug, message_id=message.pk)


@require_POST
@requires("outbox.manage")
def outbox_retry(request, practice_slug, message_id):
    return _staff_action(
        request, practice_slug, message_id, message_retry, "The message will be sent again within a minute."
    )


@require_POST
@requires("outbox.manage")
def outbox_cancel(request, practice_slug, message_id):
    return _staff_action(request, practice_slug, message_id, message_cancel, "The message was cancelled.")


# The signed token is the credential. Mail clients' RFC 8058 one-click POST carries no cookie or
# CSRF token, so this view cannot ask for one.
@csrf_exempt
@requires(PUBLIC)
def unsubscribe(request, token):
    """GET shows what the link unsubscribes from; POST (the page's button, or a mail client's
    one-click request) records the opt-out. Using a link again changes nothing."""
    target = read_unsubscribe_token(token)
    practice = Practice.objects.filter(pk=target.practice_id).first() if target else None
    if practice is None or target.purpose not in Purpose.values:
        return render(request, "outreach/unsubscribe.html", {"invalid": True}, status=400)
    context = {"practice": practice, "address": target.address, "purpose": Purpose(target.purpose)}
    if request.method != "POST":
        return render(request, "outreach/unsubscribe.html", context)
    with scope(practice=practice):
        consent_record(
            practice=practice,
            channel=target.channel,
            address=target.address,
            purpose=target.purpose,
            granted=False,
            source=ConsentEvent.Source.UNSUBSCRIBE,
            ip_address=client_ip(request),
        )
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed.", content_type="text/plain")
    return render(request, "outreach/unsubscribe.html", {**context, "done": True})


# --- Call list ----------------------------------------------------------------------------------


@requires("calls.work")
def call_list(request, practice_slug):
    everyone = request.GET.get("who") == "everyone"
    tasks = calls_due(practice=request.practice, user=request.user, everyone=everyone)
    return render(
        request, "outreach/call_list.html", {"tasks": tasks, "everyone": everyone, "outcomes": OUTCOME_BUTTONS}
    )


OUTCOME_BUTTONS = [
    ("reached", "Reached"),
    ("left_message", "Left a message"),
    ("no_answer", "No answer"),
    ("booked", "Booked"),
    ("do_not_call", "Do not call again"),
]


@require_POST
@requires("calls.work")
def call_outcome(request, practice_slug, task_id):
    task = get_object_or_404(CallTask, practice=request.practice, pk=task_id)
    outcome = request.POST.get("outcome", "")
    recorded = attempt(request, lambda: call_record_outcome(task=task, outcome=outcome), done=_call_recorded)
    if recorded is not None and outcome == "booked":  # book the visit now, with the usual options
        return redirect("sessions:book", practice_slug=practice_slug, client_id=task.client_ref)
    return _back_to_calls(practice_slug, everyone=request.POST.get("who") == "everyone")


def _back_to_calls(practice_slug, *, everyone: bool):
    """The call list as the person left it: everyone's calls, or only theirs."""
    response = redirect("outreach:call-list", practice_slug=practice_slug)
    if everyone:
        response["Location"] += "?who=everyone"
    return response


def _call_recorded(task) -> str:
    what_next = task.get_status_display().lower() if task.status != "open" else "will come back tomorrow"
    return f"{task.client_name}: {what_next}."


@requires("outreach.settings")
def followup_settings(request, practice_slug):
    form = FollowUpSettingsForm(request.POST or None, instance=settings_for(request.practice))
    if request.method == "POST" and form.is_valid():
        followup_settings_save(config=form.save(commit=False))
        messages.success(request, "Follow-up settings saved.")
        return redirect("outreach:followup-settings", practice_slug=practice_slug)
    return render(request, "outreach/followup_settings.html", {"form": form})


# --- The client's self-rebooking page (public, by signed link) ----------------------------------


@requires(PUBLIC)
def rebook(request, token):
    visit = visit_from_rebook_token(token)
    if visit is None:
        return render(request, "outreach/rebook.html", {"invalid": True}, status=410)
    practice = visit.practice
    with scope(practice=practice), timezone.override(practice.zone):
        context = {"visit": visit, "practice": practice, "client": visit.client}
        booked = rebooked_by_link(visit)
        if booked is not None:  # a link books once; using it again shows what it booked
            return render(request, "outreach/rebook.html", {**context, "booked": booked, "again": True})
        if request.method == "POST":
            if over_limit(f"rebook-link:{visit.pk}", limit=10, window_seconds=600) or over_limit(
                f"rebook-ip:{client_ip(request)}", limit=30, window_seconds=3600
            ):
                return render(request, "outreach/rebook.html", {**context, "throttled": True}, status=429)
            outcome = _rebook(visit, request.POST.get("starts_at", ""))
            if isinstance(outcome, Appointment):
                return render(request, "outreach/rebook.html", {**context, "booked": outcome})
            context["error"] = outcome
        context["slots"] = rebook_offer(visit)
        context["questions"] = unanswered(feedback_of(visit))  # one tap each, on the feedback page
        context["feedback_path"] = feedback_path(visit)
        return render(request, "outreach/rebook.html", context, status=409 if "error" in context else 200)


def _rebook(visit, posted: str):
    """The booked visit, or what to tell the client."""
    starts_at = read_datetime(posted)
    if starts_at is None:
        return "That time could not be read; please pick one below."
    try:
        return rebook_by_link(visit=visit, starts_at=starts_at)
    except AlreadyRebooked as used:
        return used.appointment
    except NotOffered:
        return "Sorry, that time is not free. Here are the times free now."
    except SlotTaken as lost:
        return f"Sorry: {lost} Here are the times free now."


# --- Feedback on a visit (public, by signed link) -----------------------------------------------

REBOOK_CHOICES_SHOWN = 6  # on the thank-you page; the self-rebooking page has the rest


@requires(PUBLIC)
def feedback(request, token):
    """A client's feedback on a visit. The email's one-click links are GETs, which link scanners
    open too: a GET never records. It shows the answer clicked, chosen, and our script sends it at
    once (a POST); without scripts, the client presses Send. A POST records the answers not given
    yet and shows the thank-you page: what they told us, the questions left, a rating and a comment,
    and times to book."""
    try:
        visit = visit_from_feedback_token(token)
    except LinkExpired:
        return render(request, "outreach/feedback.html", {"expired": True}, status=410)
    except LinkNotValid:
        return render(request, "outreach/feedback.html", {"invalid": True}, status=404)
    practice = visit.practice
    with scope(practice=practice), timezone.override(practice.zone):
        context = {"visit": visit, "practice": practice, "client": visit.client}
        status = 200
        if request.method == "POST":
            if over_limit(f"feedback-link:{visit.pk}", limit=20, window_seconds=600) or over_limit(
                f"feedback-ip:{client_ip(request)}", limit=60, window_seconds=3600
            ):
                return render(request, "outreach/feedback.html", {**context, "throttled": True}, status=429)
            form = FeedbackForm(request.POST)
            if form.is_valid():
                feedback_record(visit=visit, answers=form.cleaned_data)
                return redirect(request.path)  # the thank-you page: reloading it sends nothing again
            context["error"], status = form.non_field_errors() or ["Please choose one of the answers."], 400
        given = feedback_of(visit)
        clicked = _clicked(request, given) if request.method == "GET" else {}
        context.update(_feedback_page(visit, given, clicked=clicked))
        if request.method == "GET" and not clicked and given:  # a second click: the first answer stands
            context["already"] = any(request.GET.get(name) for name in ANSWERS)
        return render(request, "outreach/feedback.html", context, status=status)


def _clicked(request, given) -> dict:
    """The answer an email's link names (?pressure=too_light), when it is one and is not given yet."""
    form = FeedbackForm(request.GET)
    if not request.GET or not form.is_valid():
        return {}
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in ANSWERS and value and not (given and getattr(given, name))
    }


def _feedback_page(visit, given, *, clicked: dict) -> dict:
    questions = [
        {"question": question, "clicked": clicked.get(question.name, "")}
        for question in unanswered(given)
        if not clicked or question.name in clicked
    ]
    page = {
        "given": given,
        "told": client_answers(given),
        "clicked": clicked,
        "questions": questions,
        "wants_rating": not (given and given.rating),
        "wants_comment": not (given and given.comment),
        "ratings": range(1, 6),
    }
    if not clicked:  # the thank-you page: the next visit, or times to book it
        booked = rebooked_by_link(visit) or next_booked(
            practice=visit.practice, client_id=visit.client_id, after=timezone.now()
        )
        page["next_visit"] = booked
        page["handouts"] = handout_links(visit)  # the note's home-care articles, if it gave any
        if booked is None:
            page["rebook_path"] = rebook_path(visit)
            page["slots"] = rebook_offer(visit)[:REBOOK_CHOICES_SHOWN]
    return page


@require_POST
@requires("notes.write")
def feedback_pressure(request, practice_slug, client_id):
    """The brief's one click: the pressure the client's feedback asks for becomes their preference
    (a new intake version)."""
    client = client_get(practice=request.practice, client_id=client_id)
    attempt(
        request,
        lambda: feedback_pressure_accept(
            client=client,
            feedback_id=request.POST.get("feedback", ""),
            actor=request.user,
            ip_address=client_ip(request),
        ),
        done=lambda version: (
            f"Pressure preference is now {version.get_pressure_display().lower()} (intake version {version.number})."
        ),
    )
    return redirect(reverse("clients:brief", kwargs={"practice_slug": practice_slug, "client_id": client.pk}))


# --- Newsletters --------------------------------------------------------------------------------


def _newsletter(request, newsletter_id) -> Newsletter:
    return get_object_or_404(Newsletter, practice=request.practice, pk=newsletter_id)


@requires("newsletters.manage")
def newsletter_list(request, practice_slug):
    return render(
        request, "outreach/newsletter_list.html", {"newsletters": Newsletter.objects.filter(practice=request.practice)}
    )


@requires("newsletters.manage")
def newsletter_edit(request, practice_slug, newsletter_id=None):
    """Write or change a draft; a scheduled newsletter is shown with its progress instead."""
    newsletter = _newsletter(request, newsletter_id) if newsletter_id else Newsletter(practice=request.practice)
    therapists = therapists_of(practice=request.practice)
    form = NewsletterForm(request.POST or None, instance=newsletter, therapists=therapists)
    if newsletter.is_scheduled:
        form = None
    elif request.method == "POST" and form.is_valid():
        newsletter = form.save(commit=False)
        inserted = _article_to_insert(request) if "insert_article" in request.POST else None
        if inserted is not None:
            newsletter_insert_article(newsletter=newsletter, article=inserted)
        newsletter = newsletter_save(newsletter=newsletter, practice=request.practice, actor=request.user)
        messages.success(request, f"“{inserted.title}” added at the end." if inserted else "Draft saved.")
        return redirect("outreach:newsletter-edit", practice_slug=practice_slug, newsletter_id=newsletter.pk)
    audience = audience_clients(newsletter).count() if newsletter.pk else None
    return render(
        request,
        "outreach/newsletter_form.html",
        {
            "newsletter": newsletter,
            "form": form,
            "schedule_form": NewsletterScheduleForm(),
            "audience_size": audience,
            "preview": render_markdown(newsletter.body_markdown),
            "progress": newsletter_progress(newsletter) if newsletter.is_scheduled else None,
            "articles": articles_list(practice=request.practice, published=True).only("id", "title"),
        },
    )


def _article_to_insert(request):
    """The published library article the editor's "Insert" names, or None."""
    pk = read_uuid(request.POST.get("article"))
    return articles_list(practice=request.practice, published=True).filter(pk=pk).first() if pk else None


@require_POST
@requires("newsletters.manage")
def newsletter_preview(request, practice_slug):
    """htmx, while typing: the Markdown as the email will show it."""
    return HttpResponse(render_markdown(request.POST.get("body_markdown", "")))


@require_POST
@requires("newsletters.manage")
def newsletter_test(request, practice_slug, newsletter_id):
    newsletter = _newsletter(request, newsletter_id)
    newsletter_send_test(newsletter=newsletter, to=request.user.email, actor=request.user)
    messages.success(request, f"A test copy is on its way to {request.user.email}.")
    return redirect("outreach:newsletter-edit", practice_slug=practice_slug, newsletter_id=newsletter.pk)


@require_POST
@requires("newsletters.manage")
def newsletter_schedule_view(request, practice_slug, newsletter_id):
    newsletter = _newsletter(request, newsletter_id)
    form = NewsletterScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("send_at", ["Check the time."])))
    else:
        attempt(
            request,
            lambda: newsletter_schedule(newsletter=newsletter, send_at=form.cleaned_data["send_at"]),
            done=lambda count: f"Scheduled for {count} client{'s' if count != 1 else ''} who opted in.",
        )
    return redirect("outreach:newsletter-edit", practice_slug=practice_slug, newsletter_id=newsletter.pk)


@requires("newsletters.manage")
def newsletter_progress_view(request, practice_slug, newsletter_id):
    """htmx, every two seconds while sending: sent, skipped, failed, waiting."""
    newsletter = _newsletter(request, newsletter_id)
    return render(
        request,
        "outreach/_newsletter_progress.html",
        {"newsletter": newsletter, "progress": newsletter_progress(newsletter)},
    )


# --- Release authorisations (progress reports to referring partners) -----------------------------


@requires("releases.manage")
def releases(request, practice_slug, client_id):
    """A client's releases of information: record a signed one, revoke one."""
    client = client_get(practice=request.practice, client_id=client_id)
    partners = list(Partner.objects.filter(practice=request.practice).exclude(stage=Partner.Stage.NOT_A_FIT))
    error = ""
    if request.method == "POST":
        partner = next((p for p in partners if str(p.pk) == request.POST.get("partner")), None)
        expires_on = read_date(request.POST.get("expires_on", ""))
        by_link = request.POST.get("action") == "request"
        if partner is None:
            error = "Choose the partner the client authorises."
        elif request.POST.get("expires_on") and expires_on is None:
            error = "The expiry date could not be read; enter it as a date, e.g. 2027-06-30."
        else:
            try:
                if by_link:
                    release_request(client=client, partner=partner, actor=request.user, expires_on=expires_on)
                else:
                    release_record(
                        client=client,
                        partner=partner,
                        signed_name=request.POST.get("signed_name", ""),
                        actor=request.user,
                        ip_address=client_ip(request),
                        expires_on=expires_on,
                    )
            except ValidationError as problem:
                error = problem.messages[0]
            else:
                messages.success(
                    request,
                    f"{client.first_name}'s intake link is on its way, with the release to {partner} to sign."
                    if by_link
                    else f"Release to {partner} recorded.",
                )
                return redirect("outreach:releases", practice_slug=practice_slug, client_id=client.pk)
    return render(
        request,
        "outreach/releases.html",
        {
            "client": client,
            "partners": partners,
            "error": error,
            "posted": request.POST,
            "releases": ReleaseAuthorisation.objects.filter(practice=request.practice, client=client).select_related(
                "partner"
            ),
            "today": timezone.localdate(timezone=request.practice.zone),
            "requests": ReleaseRequest.objects.filter(
                practice=request.practice, client=client, release__isnull=True, withdrawn_at__isnull=True
            ).select_related("partner"),
        },
        status=400 if error else 200,
    )


@require_POST
@requires("releases.manage")
def release_revoke_view(request, practice_slug, client_id, release_id):
    release = get_object_or_404(ReleaseAuthorisation, practice=request.practice, client_id=client_id, pk=release_id)
    release_revoke(release=release, actor=request.user, ip_address=client_ip(request))
    messages.success(request, f"The release to {release.partner} is revoked.")
    return redirect("outreach:releases", practice_slug=practice_slug, client_id=client_id)
