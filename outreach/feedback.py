"""One-tap feedback after each visit: three questions (pressure, whether we worked on what the client
came for, conversation), then an optional 1–5 rating and a comment, answered without signing in
through a signed link per visit (in the next-day follow-up and on the self-rebooking page). Each
answer is recorded once: the first one stands. A low rating or a "no" puts a call on the owner's
list the same day; the therapist reads the answers on the pre-session brief (clients.page)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, IntakeVersion
from practice.models import Membership
from practice.tokens import claimed_practice, reading_link, signed_for_practice
from sessions.models import Appointment, SessionNote
from sessions.notes import pressure_change, pressure_change_accept

from .models import CallTask, VisitFeedback

FEEDBACK_SALT = "outreach.feedback-link"
FEEDBACK_LINK_DAYS = 30  # a client may answer a while after the visit; one visit per link
LOW_RATING = 2  # a rating of this or less puts a call on the owner's list


@dataclass(frozen=True)
class Question:
    name: str  # the model's field and the link's query parameter
    ask: str  # as the client reads it
    choices: type  # the model's TextChoices

    @property
    def options(self) -> list[tuple[str, str]]:
        return self.choices.choices


QUESTIONS = (
    Question("pressure", "How was the pressure?", VisitFeedback.Pressure),
    Question("focus", "Did we work on what you came for?", VisitFeedback.Focus),
    Question("conversation", "How was the conversation?", VisitFeedback.Conversation),
)
ANSWERS = tuple(question.name for question in QUESTIONS)

# How staff read an answer (the brief, the timeline, the owner's call).
SAID = {
    "pressure": {
        "too_light": "pressure too light",
        "just_right": "pressure just right",
        "too_deep": "pressure too deep",
    },
    "focus": {
        "yes": "worked on what they came for",
        "partly": "only partly worked on what they came for",
        "no": "did not work on what they came for",
    },
    "conversation": {
        "too_much": "would have liked less talking",
        "just_right": "conversation just right",
        "more": "would have liked more conversation",
    },
}


class LinkNotValid(Exception):
    """The link was not made by us, was changed, or names a visit that cannot take feedback."""


class LinkExpired(Exception):
    """A genuine link, older than FEEDBACK_LINK_DAYS."""


# --- The signed link ----------------------------------------------------------------------------


def feedback_token(visit: Appointment) -> str:
    return signed_for_practice({"f": str(visit.pk)}, practice_id=visit.practice_id, salt=FEEDBACK_SALT, compress=True)


def feedback_path(visit: Appointment, token: str | None = None, **answer) -> str:
    """The feedback page of `visit`; with `pressure="too_light"` (say), the link that answers it."""
    path = reverse("outreach:feedback", args=[token or feedback_token(visit)])
    return f"{path}?{urlencode(answer)}" if answer else path


def feedback_links(visit: Appointment) -> list[dict]:
    """The questions for an email, each answer a link: [{ask, choices: [{label, url}]}]."""
    token = feedback_token(visit)
    return [
        {
            "name": question.name,
            "ask": question.ask,
            "choices": [
                {"label": label, "url": settings.SITE_URL + feedback_path(visit, token, **{question.name: value})}
                for value, label in question.choices.choices
            ],
        }
        for question in QUESTIONS
    ]


def visit_from_feedback_token(token: str, *, now: datetime | None = None) -> Appointment:
    """The completed visit a feedback link was made for, read in the practice the link names.
    Raises LinkExpired for a genuine link older than FEEDBACK_LINK_DAYS, LinkNotValid otherwise."""
    try:
        claim = signing.loads(token, salt=FEEDBACK_SALT, max_age=timedelta(days=FEEDBACK_LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkNotValid from None
    if not isinstance(claim, dict) or claimed_practice(claim) is None:
        raise LinkNotValid
    with reading_link(claim) as practice:
        visit = (
            Appointment.objects.select_related("practice", "client", "therapist", "service")
            .filter(
                practice=practice,
                pk=claim.get("f"),
                status=Appointment.Status.COMPLETED,
                client__status=Client.Status.ACTIVE,
            )
            .first()
        )
    if visit is None:
        raise LinkNotValid
    return visit


# --- Recording ----------------------------------------------------------------------------------


def feedback_of(visit: Appointment) -> VisitFeedback | None:
    return VisitFeedback.objects.filter(practice=visit.practice, visit=visit).first()


def unanswered(feedback: VisitFeedback | None) -> list[Question]:
    return [question for question in QUESTIONS if not (feedback and getattr(feedback, question.name))]


def feedback_record(*, visit: Appointment, answers: dict, now: datetime | None = None) -> tuple[VisitFeedback, list]:
    """Record the client's `answers` (any of the three questions, `rating`, `comment`; the feedback
    form's cleaned data) on `visit`. Each is recorded once: one already given stands, and a new
    answer to it is left aside. A low rating or a "no" puts one call on the owner's list, due today
    in the practice's zone. Returns the feedback and the names recorded now."""
    given = {name: value for name, value in answers.items() if value not in (None, "")}
    if not given:
        raise ValidationError("Choose an answer.")
    now = now or timezone.now()
    with transaction.atomic():
        Appointment.objects.select_for_update().filter(practice=visit.practice, pk=visit.pk).first()  # one at once
        feedback = feedback_of(visit) or VisitFeedback(
            practice=visit.practice, visit=visit, client=visit.client, therapist=visit.therapist, answered_at=now
        )
        recorded = [name for name, value in given.items() if not getattr(feedback, name)]
        for name in recorded:
            setattr(feedback, name, given[name])
        if not recorded:
            return feedback, []
        feedback.save()
        if feedback.call_task_id is None and needs_call(feedback):
            feedback.call_task = _owner_call(feedback, visit)
            feedback.save(update_fields=["call_task"])
        elif feedback.call_task_id:  # what came in since (a comment) is there for the call too
            CallTask.objects.filter(
                practice=visit.practice, pk=feedback.call_task_id, status=CallTask.Status.OPEN
            ).update(notes=_call_notes(feedback, visit))
    return feedback, recorded


def needs_call(feedback: VisitFeedback) -> bool:
    return feedback.focus == VisitFeedback.Focus.NO or (feedback.rating is not None and feedback.rating <= LOW_RATING)


def _owner_call(feedback: VisitFeedback, visit: Appointment) -> CallTask:
    """The practice's (first) owner calls, not the therapist the feedback is about."""
    owner_id = (
        Membership.objects.filter(practice=visit.practice, role=Membership.Role.OWNER)
        .order_by("created_at")
        .values_list("user_id", flat=True)
        .first()
    )
    client = visit.client
    return CallTask.objects.create(
        practice=visit.practice,
        client_ref=client.pk,
        assigned_to_id=owner_id,
        reason="feedback",
        phone=client.phone,
        client_name=f"{client.first_name} {client.last_name}",
        notes=_call_notes(feedback, visit),
        due_on=timezone.localdate(timezone=visit.practice.zone),
    )


def _call_notes(feedback: VisitFeedback, visit: Appointment) -> str:
    day = timezone.localtime(visit.starts_at, visit.practice.zone)
    return f"Feedback on the visit of {day:%-d %b} with {visit.therapist.first_name}: {feedback_summary(feedback)}"[
        :2_000
    ]


def feedback_summary(feedback: VisitFeedback, *, comment_chars: int = 300) -> str:
    """The answers as staff read them: 'pressure too light; would have liked less talking; rating
    3/5; "…"'."""
    parts = [SAID[name][getattr(feedback, name)] for name in ANSWERS if getattr(feedback, name)]
    if feedback.rating:
        parts.append(f"rating {feedback.rating}/5")
    if feedback.comment:
        comment = feedback.comment
        parts.append(f"“{comment[:comment_chars]}{'…' if len(comment) > comment_chars else ''}”")
    return "; ".join(parts)


def client_answers(feedback: VisitFeedback | None) -> list[dict]:
    """What the client told us, as they read it: [{ask, label}]."""
    if feedback is None:
        return []
    told = [
        {"ask": question.ask, "label": getattr(feedback, f"get_{question.name}_display")()}
        for question in QUESTIONS
        if getattr(feedback, question.name)
    ]
    if feedback.rating:
        told.append({"ask": "Your rating", "label": f"{feedback.rating} out of 5"})
    return told


# --- The brief (clients.page.provide_last_feedback) ---------------------------------------------


def last_feedback(*, client: Client, membership) -> dict | None:
    """The client's feedback on their latest visit that has some, for the pre-session brief: the
    answers, whether the focus areas come first, and a one-click pressure proposal for those who
    may write notes. None when they gave none (or the role reads no notes)."""
    if not membership.has_perm("notes.view"):
        return None
    feedback = last_feedback_row(client)
    if feedback is None:
        return None
    proposal = None
    if membership.has_perm("notes.write") and feedback.pressure:
        change = pressure_change(client=client, felt=feedback.pressure, used=_pressure_used(feedback))
        if change:
            proposal = {
                "current": _pressure_label(change[0]),
                "proposed": _pressure_label(change[1]),
                "feedback_id": feedback.pk,
                "url": reverse(
                    "outreach:feedback-pressure",
                    kwargs={"practice_slug": client.practice.slug, "client_id": client.pk},
                ),
            }
    return {
        "feedback": feedback,
        "summary": feedback_summary(feedback, comment_chars=160),
        "focus_first": feedback.focus in (VisitFeedback.Focus.PARTLY, VisitFeedback.Focus.NO),
        "focus_said": SAID["focus"].get(feedback.focus, ""),
        "proposal": proposal,
    }


def _pressure_used(feedback: VisitFeedback) -> str:
    note = SessionNote.objects.filter(practice=feedback.practice, visit_id=feedback.visit_id).only("pressure_used")
    found = note.first()
    return found.pressure_used if found else ""


def _pressure_label(value: str) -> str:
    return dict(IntakeVersion.Pressure.choices).get(value, value).lower()


def feedback_pressure_accept(*, client: Client, feedback_id, actor, ip_address=None):
    """The brief's one click: the pressure preference the client's latest feedback proposes, as a
    new intake version (sessions' service, the one a note's pressure feedback uses)."""
    latest = last_feedback_row(client)
    if latest is None or str(latest.pk) != str(feedback_id):
        raise ValidationError("The client's feedback has changed meanwhile; look at the brief again.")
    return pressure_change_accept(
        client=client, felt=latest.pressure, used=_pressure_used(latest), actor=actor, ip_address=ip_address
    )


def last_feedback_row(client: Client) -> VisitFeedback | None:
    """The client's feedback on the latest visit they gave some on."""
    rows = VisitFeedback.objects.filter(practice=client.practice, client=client).select_related("visit", "therapist")
    return rows.order_by("-visit__starts_at").first()
