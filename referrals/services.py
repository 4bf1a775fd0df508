"""Partners: moving through the vetting pipeline, answering the checklist, logging contacts with
a suggested cadence; and recording where a client came from. Call inside the practice's scope."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clients.models import Client

from .models import (
    ContactEntry,
    OutgoingReferral,
    Partner,
    Referral,
    ReferralProgram,
    StageChange,
    VettingAnswer,
    VettingQuestion,
)

DEFAULT_QUESTIONS = [
    "Is their website informative?",
    "Would you send your own family to them?",
    "Have you visited as a client?",
    "Any concern about billing or over-treatment?",
    "Do they share your approach to care?",
    "Are they likely to refer the clients you want?",
]
# Courting a partner is patient work: letters a few months apart, calls and visits in between.
NEXT_CONTACT_AFTER = {"letter": 90, "call": 30, "visit": 60, "email": 45, "event": 60}
DECISIONS = {Partner.Stage.ACTIVE, Partner.Stage.NOT_A_FIT}


def ensure_questions(practice) -> None:
    if not VettingQuestion.objects.filter(practice=practice).exists():
        VettingQuestion.objects.bulk_create(
            VettingQuestion(practice=practice, text=text, position=n) for n, text in enumerate(DEFAULT_QUESTIONS)
        )


def partner_save(*, partner: Partner, practice) -> Partner:
    """A new or changed partner (from the partner form's validated instance), in `practice`."""
    partner.practice = practice
    partner.full_clean()
    partner.save()
    return partner


def question_add(*, practice, text: str) -> VettingQuestion:
    """A new question at the end of the practice's checklist."""
    with transaction.atomic():
        last = VettingQuestion.objects.select_for_update().filter(practice=practice).order_by("-position").first()
        return VettingQuestion.objects.create(practice=practice, text=text, position=(last.position + 1) if last else 0)


def question_toggle(*, question: VettingQuestion) -> VettingQuestion:
    """Retire a question that no longer matters, or bring it back (answers given stay)."""
    VettingQuestion.objects.filter(practice=question.practice, pk=question.pk).update(active=~F("active"))
    question.refresh_from_db(fields=["active"])
    return question


def outgoing_referral_log(*, partner: Partner, actor, note: str = "", client_email: str = "", client_agreed=False):
    """Log a client the practice sent to `partner`; the client is named only with their agreement."""
    shared = None
    if client_email and client_agreed:
        shared = Client.objects.filter(practice=partner.practice, email__iexact=client_email).first()
    return OutgoingReferral.objects.create(
        practice=partner.practice, partner=partner, on=timezone.localdate(), client=shared, note=note, by=actor
    )


def rewards_save(*, program: ReferralProgram, actor) -> ReferralProgram:
    """Save the practice's referral rewards (the form made sure the owner confirmed the rules
    before turning them on); who turned them on is kept."""
    program.enabled_by = actor if program.rewards_enabled else None
    program.save()
    return program


def partner_move(*, partner: Partner, stage: str, actor, note: str = "") -> Partner:
    """Move a partner to another stage, keeping the history; deciding (active or not a fit)
    records who decided and when."""
    if stage not in Partner.Stage.values:
        raise ValidationError("Unknown stage.")
    if stage == partner.stage:
        return partner
    with transaction.atomic():
        StageChange.objects.create(
            practice=partner.practice,
            partner=partner,
            from_stage=partner.stage,
            to_stage=stage,
            note=note[:300],
            by=actor,
        )
        partner.stage = stage
        if stage in DECISIONS:
            partner.decided_by, partner.decided_at = actor, timezone.now()
        partner.save()
    return partner


def checklist_save(*, partner: Partner, answers: list[tuple], actor=None) -> int:
    """Save (question, answer, note) answers for `partner`, all or none; returns how many."""
    with transaction.atomic():
        for question, answer, note in answers:
            checklist_answer(partner=partner, question=question, answer=answer, note=note, actor=actor)
    return len(answers)


def checklist_answer(*, partner: Partner, question: VettingQuestion, answer: str, note: str = "", actor=None):
    if question.practice_id != partner.practice_id:
        raise ValidationError("That question belongs to another practice.")
    if answer not in VettingAnswer.Answer.values:
        raise ValidationError("Answer yes, no or unsure.")
    VettingAnswer.objects.update_or_create(
        practice=partner.practice,
        partner=partner,
        question=question,
        defaults={"answer": answer, "note": note[:300], "by": actor},
    )


def contact_log(
    *,
    partner: Partner,
    kind: str,
    on: date,
    summary: str,
    materials: str = "",
    actor=None,
    next_contact_on: date | None = None,
) -> ContactEntry:
    """Log a contact; the next contact date is what the person chose, or the suggested cadence."""
    entry = ContactEntry.objects.create(
        practice=partner.practice, partner=partner, kind=kind, on=on, summary=summary, materials=materials, by=actor
    )
    partner.next_contact_on = next_contact_on or on + timedelta(days=NEXT_CONTACT_AFTER.get(kind, 60))
    partner.save(update_fields=["next_contact_on"])
    return entry


def referral_record(*, client, stream: str, partner: Partner | None = None, referring_client=None) -> Referral:
    """Record (or correct) where a client came from. A partner implies its stream."""
    if partner is not None:
        stream = Referral.Stream.MEDICAL if partner.kind in Partner.MEDICAL else Referral.Stream.BUSINESS
    elif referring_client is not None:
        if referring_client.pk == client.pk:
            raise ValidationError("A client cannot refer themselves.")
        stream = Referral.Stream.CLIENT
    referral, _ = Referral.objects.update_or_create(
        practice=client.practice,
        client=client,
        defaults={"partner": partner, "referring_client": referring_client, "stream": stream},
    )
    return referral


def appointment_request(*, practice, referrer: dict, first_name, last_name, email, phone, message="") -> Referral:
    """A request through a referral link: a new client marked as a request, attributed to whoever
    the link belongs to (once: a second request from the same address adds nothing). The referrer
    is never told: that would disclose someone's health care."""
    with transaction.atomic():
        existing = Client.objects.filter(practice=practice, email__iexact=email).first()
        if existing is not None:
            return Referral.objects.filter(practice=practice, client=existing).first()
        client = Client.objects.create(
            practice=practice,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            status=Client.Status.REQUEST,
        )
        partner = Partner.objects.filter(practice=practice, pk=referrer.get("p")).first() if "p" in referrer else None
        referring = Client.objects.filter(practice=practice, pk=referrer.get("c")).first() if "c" in referrer else None
        referral = referral_record(
            client=client, stream=Referral.Stream.WEB, partner=partner, referring_client=referring
        )
        referral.request_message = message[:1000]
        referral.save(update_fields=["request_message"])
        return referral
