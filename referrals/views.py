"""The referral-partner CRM (owners) and recording where a client came from (everyone)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients.models import Client
from clients.selectors import client_get
from clients.services import client_set_status
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.forms import first_error
from practice.net import client_ip
from practice.paging import paginate
from practice.ratelimit import over_limit
from practice.tokens import in_claimed_practice, reading_link
from sessions.models import Service

from . import selectors, services
from .forms import (
    AppointmentRequestForm,
    ChecklistForm,
    ContactForm,
    OutgoingReferralForm,
    PartnerForm,
    QuestionForm,
    ReferralForm,
    RewardsForm,
)
from .links import qr_svg, read_referral_token, referral_url
from .models import Partner, ReferralProgram, VettingAnswer, VettingQuestion


@requires("partners.manage")
def board(request, practice_slug):
    return render(
        request,
        "referrals/board.html",
        {
            "columns": selectors.board(practice=request.practice),
            "due": selectors.contacts_due(practice=request.practice),
        },
    )


@requires("partners.manage")
def partner_list(request, practice_slug):
    stage = request.GET.get("stage", "") if request.GET.get("stage") in Partner.Stage.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in Partner.Kind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    page, page_query = paginate(
        request, selectors.partners_with_figures(practice=request.practice, stage=stage, kind=kind, query=query)
    )
    return render(
        request,
        "referrals/partner_list.html",
        {
            "page": page,
            "query": page_query,
            "stage": stage,
            "kind": kind,
            "q": query,
            "stages": Partner.Stage.choices,
            "kinds": Partner.Kind.choices,
        },
    )


@requires("partners.manage")
def partner_edit(request, practice_slug, partner_id=None):
    partner = get_object_or_404(Partner, practice=request.practice, pk=partner_id) if partner_id else None
    form = PartnerForm(request.POST or None, instance=partner, phone_region=request.practice.country)
    if request.method == "POST" and form.is_valid():
        partner = services.partner_save(partner=form.save(commit=False), practice=request.practice)
        messages.success(request, f"{partner} saved.")
        return redirect("referrals:partner", practice_slug=practice_slug, partner_id=partner.pk)
    return render(request, "referrals/partner_form.html", {"form": form, "partner": partner})


@requires("partners.manage")
def partner(request, practice_slug, partner_id):
    practice = request.practice
    services.ensure_questions(practice)
    found = get_object_or_404(Partner, practice=practice, pk=partner_id)
    answers = {a.question_id: a for a in VettingAnswer.objects.filter(practice=practice, partner=found)}
    questions = [(q, answers.get(q.pk)) for q in VettingQuestion.objects.filter(practice=practice, active=True)]
    figures = selectors.partners_with_figures(practice=practice).get(pk=found.pk)
    return render(
        request,
        "referrals/partner_detail.html",
        {
            "partner": found,
            "questions": questions,
            "figures": figures,
            "stages": Partner.Stage.choices,
            "contact_form": ContactForm(initial={"on": timezone.localdate(timezone=practice.zone)}),
            "history": found.stage_changes.select_related("by"),
            "contacts": found.contacts.select_related("by"),
            "referrals": selectors.referrals_of(partner=found),
            "answer_choices": VettingAnswer.Answer.choices,
            "outgoing": found.outgoing.select_related("client"),
        },
    )


@require_POST
@requires("partners.manage")
def partner_move(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    stage, note = request.POST.get("stage", ""), request.POST.get("note", "")
    was = found.stage
    attempt(
        request,
        lambda: services.partner_move(partner=found, stage=stage, actor=request.user, note=note),
        done=lambda moved: _stage_sentence(moved, was),
    )
    if request.POST.get("back") == "board":
        return redirect("referrals:board", practice_slug=practice_slug)
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


def _stage_sentence(partner: Partner, was: str) -> str:
    """The flash after a move, in words: the stage's label as the board shows it, never its key."""
    if partner.stage == was:
        return f"{partner} was already in the “{partner.get_stage_display()}” stage."
    return f"{partner} is now in the “{partner.get_stage_display()}” stage."


@require_POST
@requires("partners.manage")
def partner_checklist(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    form = ChecklistForm(request.POST, questions=VettingQuestion.objects.filter(practice=request.practice, active=True))
    if form.is_valid():
        saved = services.checklist_save(partner=found, answers=form.answers(), actor=request.user)
        messages.success(request, f"{saved} answer{'s' if saved != 1 else ''} saved.")
    else:
        messages.error(request, f"Nothing was saved: {first_error(form)}")
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


@require_POST
@requires("partners.manage")
def partner_contact(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.contact_log(
            partner=found,
            kind=data["kind"],
            on=data["on"],
            summary=data["summary"],
            materials=data["materials"],
            actor=request.user,
            next_contact_on=data["next_contact_on"],
        )
        messages.success(request, f"Contact logged; next contact {found.next_contact_on:%d %b %Y}.")
    else:
        messages.error(
            request, "The contact was not logged: " + " ".join(" ".join(errors) for errors in form.errors.values())
        )
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


@requires("referrals.attribute")
def client_referral(request, practice_slug, client_id):
    """Record where a client came from, with suggestions from what the intake says."""
    practice = request.practice
    client = client_get(practice=practice, client_id=client_id)
    partners = list(Partner.objects.filter(practice=practice).exclude(stage=Partner.Stage.NOT_A_FIT))
    form = ReferralForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        partner = next((p for p in partners if str(p.pk) == data["partner"]), None)
        referrer = None
        if data["referring_client_email"]:
            referrer = Client.objects.filter(practice=practice, email__iexact=data["referring_client_email"]).first()
            if referrer is None:
                form.add_error("referring_client_email", "No client of this practice has that email.")
        if not form.errors:
            try:
                services.referral_record(
                    client=client, stream=data["stream"], partner=partner, referring_client=referrer
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Referral source saved.")
                return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)
    hint = client.heard_via_detail.lower()
    suggestions = [p for p in partners if hint and (p.organisation.lower() in hint or hint in p.organisation.lower())]
    return render(
        request, "referrals/client_referral.html", {"client": client, "form": form, "suggestions": suggestions}
    )


# --- Referral links, cards and first-appointment requests ---------------------------------------


@requires(PUBLIC)
def landing(request, token):
    """The practice's public page behind a referral link, with a first-appointment request form."""
    referrer = read_referral_token(token)
    practice = _referring_practice(referrer)
    if practice is None:
        return render(request, "referrals/landing.html", {"invalid": True}, status=410)
    with scope(practice=practice):
        form = AppointmentRequestForm(request.POST or None, phone_region=practice.country)
        context = {
            "practice": practice,
            "form": form,
            "services": Service.objects.filter(practice=practice, active=True),
        }
        if request.method == "POST":
            if over_limit(f"referral-request:{client_ip(request)}", limit=5, window_seconds=3600):
                context["throttled"] = True
                return render(request, "referrals/landing.html", context, status=429)
            if form.is_valid():
                services.appointment_request(practice=practice, referrer=referrer, **form.cleaned_data_for_request())
                return render(request, "referrals/landing.html", {**context, "sent": True})
            return render(request, "referrals/landing.html", context, status=400)
        return render(request, "referrals/landing.html", context)


def _referring_practice(referrer):
    """The practice of the client or partner a link names (the signed token is the proof)."""
    if referrer is None:
        return None
    with reading_link(referrer) as practice:
        owners = (
            Client.objects.filter(pk=referrer["c"]) if "c" in referrer else Partner.objects.filter(pk=referrer["p"])
        )
        owner = in_claimed_practice(owners.select_related("practice"), practice).first()
    return owner.practice if owner is not None else None


@requires("referrals.attribute")
def referral_card(request, practice_slug, kind, item_id):
    """A printable card with the practice's details and the personal link as a QR code."""
    model = {"client": Client, "partner": Partner}.get(kind)
    if model is None:
        raise Http404("No such card.")
    if kind == "partner" and not request.membership.has_perm("partners.manage"):
        raise PermissionDenied("Partners' cards are for the owner.")
    item = get_object_or_404(model, practice=request.practice, pk=item_id)
    url = referral_url(**{kind: item})
    return render(request, "referrals/card.html", {"item": item, "url": url, "qr": qr_svg(url)})


@requires("referrals.attribute")
def requests_list(request, practice_slug):
    """New first-appointment requests, to call back and book."""
    requests = (
        Client.objects.filter(practice=request.practice, status=Client.Status.REQUEST)
        .select_related("referral__partner", "referral__referring_client")
        .order_by("created_at")
    )
    return render(request, "referrals/requests.html", {"requests": requests})


@require_POST
@requires("referrals.attribute")
def request_done(request, practice_slug, client_id):
    client = get_object_or_404(Client, practice=request.practice, pk=client_id, status=Client.Status.REQUEST)
    client_set_status(client=client, status=Client.Status.ACTIVE, actor=request.user)
    messages.success(request, f"{client} is now an active client. Book their first visit:")
    return redirect("sessions:book", practice_slug=practice_slug, client_id=client.pk)


@require_POST
@requires("partners.manage")
def partner_outgoing(request, practice_slug, partner_id):
    """Log a client we sent to the partner; the client is named only with their agreement."""
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    form = OutgoingReferralForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was logged: {first_error(form)}")
        return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)
    logged = services.outgoing_referral_log(partner=found, actor=request.user, **form.cleaned_data)
    messages.success(request, f"Referral to {found} logged{' with the client named' if logged.client else ''}.")
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


@requires("partners.manage")
def rewards(request, practice_slug):
    """Turning rewards on needs the owner to confirm they checked the rules on referral fees."""
    program = ReferralProgram.objects.filter(practice=request.practice).first() or ReferralProgram(
        practice=request.practice
    )
    error = ""
    if request.method == "POST":
        form = RewardsForm(request.POST, instance=program)
        if form.is_valid():
            program = services.rewards_save(program=form.save(commit=False), actor=request.user)
            messages.success(request, "Referral rewards are " + ("on." if program.rewards_enabled else "off."))
            return redirect("referrals:rewards", practice_slug=practice_slug)
        error = first_error(form)  # the page shows what was typed (the form put it in `program`)
    return render(request, "referrals/rewards.html", {"program": program, "error": error}, status=400 if error else 200)


@requires("partners.manage")
def questions(request, practice_slug):
    """The practice's own vetting checklist: add questions, retire ones that no longer matter."""
    services.ensure_questions(request.practice)
    error = ""
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if not form.is_valid():
            error = first_error(form)
        elif form.cleaned_data["toggle"]:
            question = get_object_or_404(VettingQuestion, practice=request.practice, pk=form.cleaned_data["toggle"])
            services.question_toggle(question=question)
            return redirect("referrals:questions", practice_slug=practice_slug)
        else:
            services.question_add(practice=request.practice, text=form.cleaned_data["text"])
            messages.success(request, "Question added to the checklist.")
            return redirect("referrals:questions", practice_slug=practice_slug)
    return render(
        request,
        "referrals/questions.html",
        {"questions": VettingQuestion.objects.filter(practice=request.practice), "error": error},
        status=400 if error else 200,
    )
