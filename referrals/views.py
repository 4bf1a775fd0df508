"""The referral-partner CRM (owners) and recording where a client came from (everyone)."""

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Client
from clients.selectors import client_get
from practice.access import requires
from practice.paging import paginate

from . import charts, selectors, services
from .forms import ContactForm, PartnerForm, ReferralForm
from .models import Partner, Referral, VettingAnswer, VettingQuestion


@requires("partners.manage")
def board(request, practice_slug):
    return render(request, "referrals/board.html", {"columns": selectors.board(practice=request.practice),
                                                    "due": selectors.contacts_due(practice=request.practice)})


@requires("partners.manage")
def partner_list(request, practice_slug):
    stage = request.GET.get("stage", "") if request.GET.get("stage") in Partner.Stage.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in Partner.Kind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    page, page_query = paginate(request, selectors.partners_with_figures(practice=request.practice, stage=stage,
                                                                          kind=kind, query=query))
    return render(request, "referrals/partner_list.html", {
        "page": page, "query": page_query, "stage": stage, "kind": kind, "q": query,
        "stages": Partner.Stage.choices, "kinds": Partner.Kind.choices})


@requires("partners.manage")
def partner_edit(request, practice_slug, partner_id=None):
    partner = get_object_or_404(Partner, practice=request.practice, pk=partner_id) if partner_id else None
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        partner = form.save(commit=False)
        partner.practice = request.practice
        partner.save()
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
    return render(request, "referrals/partner_detail.html", {
        "partner": found, "questions": questions, "figures": figures, "stages": Partner.Stage.choices,
        "contact_form": ContactForm(initial={"on": timezone.localdate(timezone=practice.zone)}),
        "history": found.stage_changes.select_related("by"), "contacts": found.contacts.select_related("by"),
        "referrals": selectors.referrals_of(partner=found), "answer_choices": VettingAnswer.Answer.choices,
    })


@require_POST
@requires("partners.manage")
def partner_move(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    try:
        services.partner_move(partner=found, stage=request.POST.get("stage", ""), actor=request.user,
                              note=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{found} is now: {found.get_stage_display().lower()}.")
    if request.POST.get("back") == "board":
        return redirect("referrals:board", practice_slug=practice_slug)
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


@require_POST
@requires("partners.manage")
def partner_checklist(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    saved = 0
    for question in VettingQuestion.objects.filter(practice=request.practice, active=True):
        answer = request.POST.get(f"q-{question.pk}")
        if answer:
            services.checklist_answer(partner=found, question=question, answer=answer,
                                      note=request.POST.get(f"note-{question.pk}", ""), actor=request.user)
            saved += 1
    messages.success(request, f"{saved} answer{'s' if saved != 1 else ''} saved.")
    return redirect("referrals:partner", practice_slug=practice_slug, partner_id=found.pk)


@require_POST
@requires("partners.manage")
def partner_contact(request, practice_slug, partner_id):
    found = get_object_or_404(Partner, practice=request.practice, pk=partner_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.contact_log(partner=found, kind=data["kind"], on=data["on"], summary=data["summary"],
                             materials=data["materials"], actor=request.user, next_contact_on=data["next_contact_on"])
        messages.success(request, f"Contact logged; next contact {found.next_contact_on:%d %b %Y}.")
    else:
        messages.error(request, "The contact was not logged: " + " ".join(
            " ".join(errors) for errors in form.errors.values()))
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
                services.referral_record(client=client, stream=data["stream"], partner=partner,
                                         referring_client=referrer)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Referral source saved.")
                return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)
    hint = client.heard_via_detail.lower()
    suggestions = [p for p in partners if hint and (p.organisation.lower() in hint or hint in p.organisation.lower())]
    return render(request, "referrals/client_referral.html", {"client": client, "form": form,
                                                              "suggestions": suggestions})


@requires("partners.manage")
def streams(request, practice_slug):
    return render(request, "referrals/streams.html", {
        "rows": selectors.new_clients_by_stream(practice=request.practice), "streams": Referral.Stream.choices})


# An SVG image whose own small stylesheet is inline: allowed for this response only.
@csp_update({"style-src": ["'unsafe-inline'"]})
@requires("partners.manage")
def streams_chart(request, practice_slug):
    rows = selectors.new_clients_by_stream(practice=request.practice)
    return HttpResponse(charts.streams_chart(rows), content_type="image/svg+xml")
