"""Session notes and treatment plans: writes and reads. A note is a draft until it is signed;
a signed note is never changed, and corrections are addenda. Call inside the practice's scope."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clients.intake import intake_values
from clients.models import Client, IntakeVersion, note_areas
from clients.selectors import latest_intake
from clients.services import intake_record
from practice.audit import Action, audit_record
from practice.parsing import read_uuid

from .models import Appointment, CarePhase, NoteAddendum, NoteTemplate, SessionNote, Technique, TreatmentPlan
from .wishes import against_wishes

DEFAULT_PHASES = ["Relief", "Corrective", "Maintenance", "Wellness"]
DEFAULT_TECHNIQUES = [
    "Swedish",
    "Deep tissue",
    "Myofascial release",
    "Trigger point",
    "Stretching",
    "Hot stone",
    "Cupping",
    "Lymphatic drainage",
]
# Fields a new note can take over from the client's last signed one.
CARRIED_OVER = ["pressure_used", "areas_worked", "plan_focus", "plan_interval_days", "home_care"]
SIGNED = "This note is signed and cannot be changed. Add an addendum instead."


def ensure_practice_lists(practice) -> None:
    """The default phases of care and techniques, the first time a practice needs them."""
    if not CarePhase.objects.filter(practice=practice).exists():
        CarePhase.objects.bulk_create(
            CarePhase(practice=practice, name=name, position=n) for n, name in enumerate(DEFAULT_PHASES)
        )
    if not Technique.objects.filter(practice=practice).exists():
        Technique.objects.bulk_create(Technique(practice=practice, name=name) for name in DEFAULT_TECHNIQUES)


# --- Notes --------------------------------------------------------------------------------------


def note_for_visit(*, visit: Appointment, author) -> SessionNote:
    """The visit's note, created as an empty draft the first time: one note per visit, however many
    autosaves arrive at once (the one-to-one key settles a race)."""
    existing = SessionNote.objects.filter(practice=visit.practice, visit=visit).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return SessionNote.objects.create(
                practice=visit.practice,
                visit=visit,
                client=visit.client,
                therapist=visit.therapist,
                duration_minutes=visit.service.duration_minutes,
            )
    except IntegrityError:
        return SessionNote.objects.get(practice=visit.practice, visit=visit)


MAX_HANDOUTS = 2


def note_save_draft(*, note: SessionNote, fields: dict, techniques=None, handouts=None) -> SessionNote:
    """Save what the therapist has typed so far (autosave and the Save button alike). `handouts`:
    the library's articles given for home care (at most two), kept with the note and signed with it."""
    if note.is_signed:
        raise ValidationError(SIGNED)
    if handouts is not None and len(handouts) > MAX_HANDOUTS:
        raise ValidationError("A note gives one or two handouts, not more.")
    if "areas_worked" in fields:  # taken over from an earlier note or a template: the chart's regions now
        fields = {**fields, "areas_worked": note_areas(fields["areas_worked"])}
    for name, value in fields.items():
        setattr(note, name, value)
    note.save()
    if techniques is not None:
        note.techniques.set(techniques, through_defaults={"practice": note.practice})
    if handouts is not None:
        note.handouts.set(handouts, through_defaults={"practice": note.practice})
    return note


def note_start_from_last(*, note: SessionNote) -> SessionNote:
    """Fill a draft's carried-over fields from the client's last signed note."""
    if note.is_signed:
        raise ValidationError(SIGNED)
    last = last_signed_note(client=note.client, before=note)
    if last is None:
        raise ValidationError("There is no earlier signed note for this client.")
    return note_save_draft(
        note=note, fields={name: getattr(last, name) for name in CARRIED_OVER}, techniques=list(last.techniques.all())
    )


def note_template_save(*, note: SessionNote, therapist) -> NoteTemplate:
    """Keep this draft's carried-over fields and techniques as the therapist's template."""
    template, _ = NoteTemplate.objects.update_or_create(
        practice=note.practice,
        therapist=therapist,
        defaults={
            "fields": {name: getattr(note, name) for name in CARRIED_OVER},
            "technique_ids": [str(pk) for pk in note.techniques.values_list("pk", flat=True)],
        },
    )
    return template


def note_start_from_template(*, note: SessionNote, therapist) -> SessionNote:
    """Fill a draft from the therapist's template."""
    template = NoteTemplate.objects.filter(practice=note.practice, therapist=therapist).first()
    if template is None:
        raise ValidationError("You have no template yet: fill a note the way you like it and save it as your template.")
    techniques = Technique.objects.filter(practice=note.practice, pk__in=template.technique_ids, active=True)
    return note_save_draft(
        note=note, fields={k: v for k, v in template.fields.items() if k in CARRIED_OVER}, techniques=list(techniques)
    )


class AgainstWishes(Exception):
    """Signing was not confirmed although the session went against the client's wishes."""

    def __init__(self, wishes):
        super().__init__("; ".join(wish.message for wish in wishes))
        self.wishes = wishes


def note_sign(*, note: SessionNote, actor, ip_address=None, anyway: bool = False) -> SessionNote:
    """Sign the note: from now on it is the record, never changed. A session that went against the
    client's intake (sessions.wishes) is signed only `anyway` (the therapist has read why), and the
    note keeps which wishes it went against."""
    if note.is_signed:
        raise ValidationError("This note is already signed.")
    if not (note.subjective or note.assessment or note.tissue_quality) or not note.pressure_used:
        raise ValidationError(
            "Before signing, write at least what the client reported or how they responded, and the pressure used."
        )
    wishes = against_wishes(note=note, intake=latest_intake(client=note.client))
    if wishes and not anyway:
        raise AgainstWishes(wishes)
    note.against_wishes = [wish.kind for wish in wishes]
    note.signed_at = timezone.now()
    note.save()
    audit_record(
        practice=note.practice,
        actor=actor,
        action=Action.SIGN,
        record=note,
        label=f"{note.client} · note",
        ip_address=ip_address,
    )
    return note


def note_add_addendum(*, note: SessionNote, author, text: str, ip_address=None) -> NoteAddendum:
    if not note.is_signed:
        raise ValidationError("A draft can still be edited; addenda are for signed notes.")
    if not text.strip():
        raise ValidationError("Write the addendum first.")
    addendum = NoteAddendum.objects.create(practice=note.practice, note=note, author=author, text=text.strip())
    audit_record(
        practice=note.practice,
        actor=author,
        action=Action.CREATE,
        record=note,
        label=f"{note.client} · note",
        detail="added an addendum",
        ip_address=ip_address,
    )
    return addendum


def last_signed_note(*, client: Client, before: SessionNote | None = None) -> SessionNote | None:
    notes = SessionNote.objects.filter(practice=client.practice, client=client, signed_at__isnull=False)
    if before is not None:
        notes = notes.exclude(pk=before.pk)
    return notes.select_related("visit").order_by("-visit__starts_at").first()


NOT_NOTED = [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]


def brief_visit(*, client: Client, visit_id=None) -> Appointment | None:
    """The visit a brief is read for: the one named, if it is this client's and took or takes place;
    else the client's visit today nearest to now. Another client's or practice's visit is none."""
    visits = (
        Appointment.objects.filter(practice=client.practice, client=client)
        .exclude(status__in=NOT_NOTED)
        .select_related("note")
    )
    if visit_id:
        visit_id = read_uuid(visit_id)  # None for a link typed by hand
        return visits.filter(pk=visit_id).first() if visit_id else None
    now, zone = timezone.now(), client.practice.zone
    today = datetime.combine(timezone.localdate(now, timezone=zone), time.min).replace(tzinfo=zone)
    today_visits = visits.filter(starts_at__gte=today, starts_at__lt=today + timedelta(days=1))
    return min(today_visits, key=lambda visit: abs(visit.starts_at - now), default=None)


def brief_note_link(*, client: Client, visit_id=None) -> dict | None:
    """What the brief offers for the visit's note: start it, continue the draft, or read it signed."""
    visit = brief_visit(client=client, visit_id=visit_id)
    if visit is None:
        return None
    note = getattr(visit, "note", None)
    kwargs = {"practice_slug": client.practice.slug, "appointment_id": visit.pk}
    if note is not None and note.is_signed:
        return {"label": "Open the signed note", "url": reverse("sessions:note", kwargs=kwargs), "visit": visit}
    label = "Continue the note" if note is not None else "Start note"
    return {"label": label, "url": reverse("sessions:note-edit", kwargs=kwargs), "visit": visit}


def unsigned_overdue(*, practice, therapist) -> list[Appointment]:
    """The therapist's completed visits of more than 24 hours ago with no signed note."""
    return list(
        Appointment.objects.filter(
            practice=practice,
            therapist=therapist,
            status=Appointment.Status.COMPLETED,
            ends_at__lt=timezone.now() - timedelta(hours=24),
        )
        .exclude(note__signed_at__isnull=False)
        .select_related("client")
        .order_by("starts_at")[:50]
    )


# --- Pressure feedback flows back into the intake -----------------------------------------------

FIRMER = {"light": "medium", "medium": "firm", "firm": "deep", "deep": "deep"}
LIGHTER = {"deep": "firm", "firm": "medium", "medium": "light", "light": "light"}


def pressure_proposal(*, note: SessionNote) -> tuple[str, str] | None:
    """(current preference, proposed one) when the client found the pressure too light or too deep
    and their intake still says what was used; None when there is nothing to propose."""
    return pressure_change(client=note.client, felt=note.pressure_feedback, used=note.pressure_used)


def pressure_accept(*, note: SessionNote, actor, ip_address=None) -> IntakeVersion:
    """One click: a new intake version with the proposed pressure (never an overwrite)."""
    return pressure_change_accept(
        client=note.client, felt=note.pressure_feedback, used=note.pressure_used, actor=actor, ip_address=ip_address
    )


def pressure_change(*, client: Client, felt: str, used: str = "", latest=None) -> tuple[str, str] | None:
    """(current preference, proposed one) when the client `felt` the pressure too light or too deep
    (the therapist's observation in a note, or the client's own feedback on a visit): a step firmer
    or lighter than the pressure `used` (or else their preference); None when there is nothing to
    propose. `latest`: the client's latest intake version, when the caller has it already."""
    if felt not in (SessionNote.Feedback.TOO_LIGHT, SessionNote.Feedback.TOO_DEEP):
        return None
    latest = latest or latest_intake(client=client)
    if latest is None or not latest.pressure:
        return None
    base = used or latest.pressure
    proposed = (FIRMER if felt == SessionNote.Feedback.TOO_LIGHT else LIGHTER)[base]
    return (latest.pressure, proposed) if proposed != latest.pressure else None


def pressure_change_accept(*, client: Client, felt: str, used: str = "", actor, ip_address=None) -> IntakeVersion:
    """One click: a new intake version with the proposed pressure (never an overwrite; audited as
    every intake version is)."""
    latest = latest_intake(client=client)
    proposal = pressure_change(client=client, felt=felt, used=used, latest=latest)
    if proposal is None:
        raise ValidationError("There is no pressure change to accept.")
    answers = {**intake_values(latest), "pressure": proposal[1]}
    answers.pop("consent_to_treatment"), answers.pop("signature_name")
    return intake_record(
        client=client, source=IntakeVersion.Source.STAFF, answers=answers, actor=actor, ip_address=ip_address
    )


# --- Treatment plans ----------------------------------------------------------------------------


@dataclass
class PlanProgress:
    done: int
    planned: int | None
    expected: int  # sessions that should have happened by today
    on_track: bool


def plan_create(*, plan: TreatmentPlan, client: Client, actor) -> TreatmentPlan:
    """Start `plan` (the plan form's validated instance) for `client`: the plan active until now is
    completed in the same transaction, so a client has one active plan at a time."""
    plan.practice, plan.client, plan.created_by = client.practice, client, actor
    with transaction.atomic():
        TreatmentPlan.objects.filter(
            practice=client.practice, client=client, status=TreatmentPlan.Status.ACTIVE
        ).update(status=TreatmentPlan.Status.COMPLETED)
        plan.save()
    return plan


def plan_set_status(*, plan: TreatmentPlan, status: str) -> TreatmentPlan:
    if status not in TreatmentPlan.Status.values:
        raise ValidationError("Choose the plan's new status.")
    plan.status = status
    plan.save(update_fields=["status"])
    return plan


def plan_progress(*, plan: TreatmentPlan, today: date | None = None, done: int | None = None) -> PlanProgress:
    """Completed visits since the plan started against what the rhythm expects by today. A plan
    "within D days" expects its sessions spread evenly over D days; "every F days" one per F days,
    the first on the start day. Both are capped at the sessions planned."""
    today = today or timezone.localdate(timezone=plan.practice.zone)
    if done is None:
        done = Appointment.objects.filter(
            practice=plan.practice,
            client=plan.client,
            status=Appointment.Status.COMPLETED,
            starts_at__date__gte=plan.starts_on,
        ).count()
    elapsed = (today - plan.starts_on).days
    if elapsed < 0:
        expected = 0
    elif plan.within_days:  # spread evenly: session k falls on day k * D / (N - 1), in whole numbers
        expected = elapsed * max(1, (plan.sessions_planned or 2) - 1) // plan.within_days + 1
    else:
        expected = elapsed // plan.every_days + 1
    if plan.sessions_planned:
        expected = min(expected, plan.sessions_planned)
    return PlanProgress(done, plan.sessions_planned, expected, done >= expected)


def note_of(visit: Appointment) -> SessionNote | None:
    """The visit's note, draft or signed, or None (no query when the visit was read with it)."""
    try:
        return visit.note
    except SessionNote.DoesNotExist:
        return None


def approved_summary(visit: Appointment) -> str | None:
    """The plain-words summary the therapist signed and approved for the client, if any."""
    note = note_of(visit)
    return note.client_summary if note and note.is_signed and note.summary_approved else None


def active_plan(*, client: Client) -> TreatmentPlan | None:
    return (
        TreatmentPlan.objects.filter(practice=client.practice, client=client, status=TreatmentPlan.Status.ACTIVE)
        .select_related("phase", "service")
        .order_by("-starts_on")
        .first()
    )


def next_visit_advice(*, visit: Appointment) -> tuple[int | None, object, str]:
    """(interval in days, service, where it comes from) for the checkout screen: the signed note's
    plan, else the client's active treatment plan, else what was set when completing the visit."""
    note = note_of(visit)
    if note and note.plan_interval_days:
        return note.plan_interval_days, visit.service, "the session note"
    plan = active_plan(client=visit.client)
    if plan:
        return plan.interval_days, plan.service or visit.service, f"the {plan.phase.name.lower()} plan ({plan.rhythm})"
    if visit.recommended_interval_days:
        return visit.recommended_interval_days, visit.recommended_service or visit.service, "the therapist"
    return None, visit.service, ""
