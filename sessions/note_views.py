"""Session notes (write, autosave, sign, addenda), pressure feedback, treatment plans and the
progress view. Clinical pages: therapists and owners only, every read audited."""

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from clients.selectors import client_get, latest_intake
from practice.access import requires
from practice.actions import attempt
from practice.audit import Action, audit_request
from practice.forms import first_error
from practice.net import client_ip

from . import charts, notes, selectors
from .bodychart import BODY_CHART
from .forms import AddendumForm, NoteForm, PlanForm
from .models import Appointment, SessionNote, TreatmentPlan
from .wishes import against_wishes


def _note(request, appointment_id) -> SessionNote:
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    return notes.note_for_visit(visit=visit, author=request.user)


@requires("notes.write")
def note_edit(request, practice_slug, appointment_id):
    note = _note(request, appointment_id)
    if note.is_signed:
        return redirect("sessions:note", practice_slug=practice_slug, appointment_id=appointment_id)
    notes.ensure_practice_lists(request.practice)
    intake = latest_intake(client=note.client)
    form = NoteForm(request.POST or None, instance=note, practice=request.practice, intake=intake)
    if request.method == "POST" and form.is_valid():
        notes.note_save_draft(
            note=note,
            fields=form.note_fields(),
            techniques=form.cleaned_data["techniques"],
            handouts=form.cleaned_data["handouts"],
        )
        anyway = "sign_anyway" in request.POST  # after reading what went against the client's wishes
        if "sign" in request.POST or anyway:
            try:
                notes.note_sign(note=note, actor=request.user, ip_address=client_ip(request), anyway=anyway)
            except notes.AgainstWishes:  # the draft is saved; the page says why it is not signed yet
                edit = reverse(
                    "sessions:note-edit", kwargs={"practice_slug": practice_slug, "appointment_id": note.visit_id}
                )
                return redirect(f"{edit}?sign=confirm")
            except ValidationError as error:
                form.add_error(None, error)
                return _note_page(request, note, form, intake, status=400)
            messages.success(request, "Signed. The note is now part of the record.")
            return redirect("sessions:note", practice_slug=practice_slug, appointment_id=appointment_id)
        messages.success(request, "Draft saved.")
        return redirect("sessions:note-edit", practice_slug=practice_slug, appointment_id=appointment_id)
    if request.method != "POST":
        audit_request(request, action=Action.VIEW, record=note, label=f"{note.client} · note (draft)")
    asked_to_sign = request.method == "GET" and request.GET.get("sign") == "confirm"
    return _note_page(request, note, form, intake, status=400 if form.errors else 200, asked_to_sign=asked_to_sign)


def _note_page(request, note, form, intake, status=200, asked_to_sign=False):
    return render(
        request,
        "sessions/note_form.html",
        {
            "note": note,
            "visit": note.visit,
            "client": note.visit.client,
            "form": form,
            "body_chart": BODY_CHART,
            "last": notes.last_signed_note(client=note.client, before=note),
            "intake": intake,  # its cautions, beside the client's alerts
            # What the draft, as saved, does against the client's intake: said before signing.
            "wishes": against_wishes(note=note, intake=intake),
            "asked_to_sign": asked_to_sign,
        },
        status=status,
    )


def _autosave_answer(outcome: str, html: str) -> HttpResponse:
    """The status line's new text, marked with what happened: the page's script counts only answers
    so marked as having reached the note (a sign-in page after a redirect is not one)."""
    response = HttpResponse(html)
    response["X-Autosave"] = outcome
    return response


@require_POST
@requires("notes.write")
def note_autosave(request, practice_slug, appointment_id):
    """notes.js, a moment after typing stops: keep the draft; never a second note."""
    note = _note(request, appointment_id)
    form = NoteForm(request.POST, instance=note, practice=request.practice)
    if note.is_signed:
        # Usually the last keystrokes' autosave arriving just after "Sign the note", which posted the
        # same fields: nothing is lost, so this is an answer (200), not an error for the browser.
        return _autosave_answer("signed", '<span class="text-danger">Signed: changes are no longer saved.</span>')
    if not form.is_valid():
        fields = ", ".join(str(form.fields[name].label or name) for name in form.errors if name in form.fields)
        return _autosave_answer(
            "invalid", format_html('<span class="text-danger" role="alert">Not saved yet: check {}.</span>', fields)
        )
    notes.note_save_draft(
        note=note,
        fields=form.note_fields(),
        techniques=form.cleaned_data["techniques"],
        handouts=form.cleaned_data["handouts"],
    )
    saved_at = f"{timezone.localtime():%H:%M:%S}"
    return _autosave_answer("saved", f'<span class="text-success">Draft saved at {saved_at}</span>')


@require_POST
@requires("notes.write")
def note_start_from_last(request, practice_slug, appointment_id):
    note = _note(request, appointment_id)
    attempt(
        request,
        lambda: notes.note_start_from_last(note=note),
        done="Pressure, areas, techniques and plan were taken from the last note.",
    )
    return redirect("sessions:note-edit", practice_slug=practice_slug, appointment_id=appointment_id)


@require_POST
@requires("notes.write")
def note_template(request, practice_slug, appointment_id):
    """Save the draft as my template, or start the draft from it."""
    note = _note(request, appointment_id)
    if request.POST.get("action") == "save":
        attempt(
            request,
            lambda: notes.note_template_save(note=note, therapist=request.user),
            done="Saved as your template for new notes.",
        )
    else:
        attempt(
            request,
            lambda: notes.note_start_from_template(note=note, therapist=request.user),
            done="Filled from your template.",
        )
    return redirect("sessions:note-edit", practice_slug=practice_slug, appointment_id=appointment_id)


@requires("notes.view")
def note(request, practice_slug, appointment_id):
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    note = (
        SessionNote.objects.filter(practice=request.practice, visit=visit)
        .prefetch_related("techniques", "handouts")
        .first()
    )
    if note is None or not note.is_signed:
        return redirect("sessions:note-edit", practice_slug=practice_slug, appointment_id=appointment_id)
    audit_request(request, action=Action.VIEW, record=note, label=f"{note.client} · note")
    return render(
        request,
        "sessions/note.html",
        {
            "note": note,
            "visit": visit,
            "client": visit.client,
            "addenda": note.addenda.select_related("author"),
            "proposal": notes.pressure_proposal(note=note),
        },
    )


@require_POST
@requires("notes.write")
def note_addendum(request, practice_slug, appointment_id):
    note = _note(request, appointment_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["text"]
        attempt(
            request,
            lambda: notes.note_add_addendum(note=note, author=request.user, text=text, ip_address=client_ip(request)),
            done="Addendum added.",
        )
    else:
        messages.error(request, first_error(form))
    return redirect("sessions:note", practice_slug=practice_slug, appointment_id=appointment_id)


@require_POST
@requires("notes.write")
def pressure_accept(request, practice_slug, appointment_id):
    note = _note(request, appointment_id)
    attempt(
        request,
        lambda: notes.pressure_accept(note=note, actor=request.user, ip_address=client_ip(request)),
        done=lambda version: (
            f"Pressure preference is now {version.get_pressure_display().lower()} (intake version {version.number})."
        ),
    )
    return redirect("sessions:note", practice_slug=practice_slug, appointment_id=appointment_id)


# --- Plans and progress -------------------------------------------------------------------------


@requires("notes.view")
def progress(request, practice_slug, client_id):
    """Pain over time per area, the visits, and the plans with their progress."""
    client = client_get(practice=request.practice, client_id=client_id)
    notes.ensure_practice_lists(request.practice)
    visits = list(
        Appointment.objects.filter(practice=request.practice, client=client)
        .select_related("service", "therapist", "note")
        .order_by("-starts_at")[:200]
    )
    plans = list(TreatmentPlan.objects.filter(practice=request.practice, client=client).select_related("phase"))
    completed = [v for v in visits if v.status == Appointment.Status.COMPLETED]
    audit_request(request, action=Action.VIEW, record=client, label=f"{client} · progress")
    return render(
        request,
        "sessions/progress.html",
        {
            "client": client,
            "visits": visits,
            "form": PlanForm(
                practice=request.practice, initial={"starts_on": timezone.localdate(timezone=request.practice.zone)}
            ),
            "plans": [
                (
                    plan,
                    notes.plan_progress(
                        plan=plan,
                        done=sum(
                            1
                            for v in completed
                            if timezone.localtime(v.starts_at, request.practice.zone).date() >= plan.starts_on
                        ),
                    ),
                )
                for plan in plans
            ],
            "has_ratings": any(getattr(v, "note", None) and v.note.signed_at and v.note.pain_ratings for v in visits),
        },
    )


# An SVG image whose own small stylesheet is inline: allowed for this response only.
@csp_update({"style-src": ["'unsafe-inline'"]})
@requires("notes.view")
def pain_chart(request, practice_slug, client_id):
    client = client_get(practice=request.practice, client_id=client_id)
    signed = (
        SessionNote.objects.filter(practice=request.practice, client=client, signed_at__isnull=False)
        .select_related("visit")
        .order_by("visit__starts_at")
    )
    return HttpResponse(charts.pain_over_time(signed, request.practice.zone), content_type="image/svg+xml")


@require_POST
@requires("notes.write")
def plan_create(request, practice_slug, client_id):
    client = client_get(practice=request.practice, client_id=client_id)
    form = PlanForm(request.POST, practice=request.practice)
    if form.is_valid():
        plan = form.save(commit=False)
        plan.every_days, plan.within_days = form.cleaned_data["every_days"], form.cleaned_data["within_days"]
        plan = notes.plan_create(plan=plan, client=client, actor=request.user)
        messages.success(request, f"Plan saved: {plan.phase}, {plan.rhythm}.")
    else:
        messages.error(
            request,
            "The plan was not saved: "
            + " ".join(
                f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
                for f, e in form.errors.items()
            ),
        )
    return redirect("sessions:progress", practice_slug=practice_slug, client_id=client.pk)


@require_POST
@requires("notes.write")
def plan_status(request, practice_slug, plan_id):
    plan = get_object_or_404(TreatmentPlan, practice=request.practice, pk=plan_id)
    attempt(
        request,
        lambda: notes.plan_set_status(plan=plan, status=request.POST.get("status", "")),
        done=lambda changed: f"The plan is {changed.get_status_display().lower()}.",
    )
    return redirect("sessions:progress", practice_slug=practice_slug, client_id=plan.client_id)
