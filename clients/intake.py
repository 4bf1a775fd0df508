"""The intake questionnaire, defined once: which IntakeVersion field each question fills, how it is
asked, in which section, and how its answer reads. The form (clients.forms.IntakeForm), the answers
page, the version comparison, the export and the blank-form merge all derive from QUESTIONS, so a
new question is a model field plus one entry here (clients/tests/test_intake_questions.py ties the two)."""

from dataclasses import dataclass

from django.template.defaultfilters import linebreaksbr
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join

from clients.models import BODY_AREAS, IntakeVersion, area_label


@dataclass(frozen=True)
class Question:
    name: str  # the IntakeVersion field that keeps the answer
    section: str
    ask: str  # the form's label: the question as the client reads it
    shown_as: str = ""  # the label beside the answer (the field's verbose name when empty)
    help: str = ""
    choices: tuple = ()  # for answers that are a list of keys (checkboxes)
    required: bool = False
    layout: str = ""  # the CSS class that lays the choices out on the form
    signing_only: bool = False  # asked only on the client's own, signed form
    kept_when_left_empty: bool = False  # a blank form keeps the previous answer (see intake_submit_by_link)
    on_answers_page: bool = True  # False when another question's answer shows it

    @property
    def label(self) -> str:
        return self.shown_as or IntakeVersion._meta.get_field(self.name).verbose_name.capitalize()

    @property
    def model_field(self):
        return IntakeVersion._meta.get_field(self.name)


HEALTH, PAIN, PREFERENCES, CONSENT = "Health", "Pain or tension right now", "Your preferences", "Consent and contact"
SECTIONS = (HEALTH, PAIN, PREFERENCES, CONSENT)
PAIN_INTRO = "Rate each area that bothers you from 0 (none) to 10 (worst). Leave the rest empty."

QUESTIONS = (
    Question(
        "cautions",
        HEALTH,
        "Do any of these apply to you now?",
        choices=tuple(IntakeVersion.Caution.choices),
        kept_when_left_empty=True,
    ),
    Question(
        "caution_details",
        HEALTH,
        "Details",
        help="Which surgery or injury, which allergies, which medications.",
        kept_when_left_empty=True,
        on_answers_page=False,
    ),
    Question("pain_ratings", PAIN, "Pain or tension", shown_as="Pain or tension"),
    Question("reason_for_visit", HEALTH, "What brings you in?", kept_when_left_empty=True),
    Question("goals", HEALTH, "What would you like from your massages?", kept_when_left_empty=True),
    Question("pressure", PREFERENCES, "Pressure you prefer", required=True, layout="inline-choices"),
    Question(
        "focus_areas",
        PREFERENCES,
        "Areas to focus on",
        shown_as="Focus on",
        choices=BODY_AREAS,
        layout="two-column-choices",
    ),
    Question(
        "avoid_areas", PREFERENCES, "Areas to avoid", shown_as="Avoid", choices=BODY_AREAS, layout="two-column-choices"
    ),
    Question("area_notes", PREFERENCES, "Anything about these areas", kept_when_left_empty=True),
    Question("conversation", PREFERENCES, "During the massage I prefer", required=True, layout="inline-choices"),
    Question(
        "comfort_notes",
        PREFERENCES,
        "Draping, temperature or other comfort notes",
        shown_as="Comfort",
        kept_when_left_empty=True,
    ),
    Question(
        "consent_to_treatment",
        CONSENT,
        "I consent to massage treatment, and I will tell my therapist about any change in my health.",
        signing_only=True,
    ),
    Question(
        "signature_name",
        CONSENT,
        "Type your full name as your signature",
        signing_only=True,
        on_answers_page=False,
    ),
    Question("reminder_channel", CONSENT, "Appointment reminders by", shown_as="Reminders"),
    Question("followup_consent", CONSENT, "You may contact me the day after a visit to ask how I feel"),
    Question("marketing_email", CONSENT, "Send me newsletters and offers by email", shown_as="Newsletters by email"),
    Question(
        "marketing_sms", CONSENT, "Send me newsletters and offers by text message", shown_as="Newsletters by text"
    ),
)

# The fields an intake records, in reading order (number, authorship and signature metadata excluded).
INTAKE_FIELDS = [question.name for question in QUESTIONS]
KEPT_WHEN_LEFT_EMPTY = [question.name for question in QUESTIONS if question.kept_when_left_empty]


def questions_in(section: str) -> list[Question]:
    return [question for question in QUESTIONS if question.section == section]


def intake_values(version: IntakeVersion | None) -> dict:
    """The intake's answers as plain data (what a form starts from, what export writes)."""
    if version is None:
        return {}
    return {name: getattr(version, name) for name in INTAKE_FIELDS}


def display_value(name: str, value) -> str:
    """An answer as a person reads it."""
    field = IntakeVersion._meta.get_field(name)
    if name == "cautions":
        labels = dict(IntakeVersion.Caution.choices)
        return ", ".join(labels.get(key, key) for key in value) or "none"
    if name in ("focus_areas", "avoid_areas"):
        return ", ".join(area_label(key) for key in value) or "none"
    if name == "pain_ratings":
        return ", ".join(f"{area_label(area)} {rating}/10" for area, rating in value.items()) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.choices:
        return dict(field.choices).get(value, value) or "–"
    return value or "–"


def _answer_html(question: Question, version: IntakeVersion):
    """What the answers page shows for one question (escaped; a few answers carry their companions)."""
    value = getattr(version, question.name)
    if question.name == "cautions":
        badges = format_html_join(
            " ", '<span class="badge caution-badge">{}</span>', ((c,) for c in version.caution_labels)
        )
        details = (
            format_html("<div>{}</div>", linebreaksbr(version.caution_details, autoescape=True))
            if version.caution_details
            else ""
        )
        return format_html("{}{}", badges or "None", details)
    if question.name == "pain_ratings":
        rated = format_html_join(" · ", "{} <strong>{}/10</strong>", version.pain_list)
        return rated or "None reported"
    if question.name == "consent_to_treatment":
        if not value:
            return format_html('<span class="text-danger">{}</span>', "Not given")
        signed = formats.date_format(timezone.localtime(version.signed_at), "j M Y H:i") if version.signed_at else ""
        place = f" from {version.signed_ip}" if version.signed_ip else ""
        return f"Signed “{version.signature_name}” on {signed}{place}"
    if question.model_field.get_internal_type() == "TextField":
        return linebreaksbr(value, autoescape=True) if value else "–"
    answer = display_value(question.name, value)
    return answer.capitalize() if isinstance(value, bool) else answer


def intake_answers(version: IntakeVersion) -> list[tuple[str, str]]:
    """(label, answer) rows of the answers page, in form order."""
    return [(q.label, _answer_html(q, version)) for q in QUESTIONS if q.on_answers_page]


def intake_changes(older: IntakeVersion | None, newer: IntakeVersion) -> list[dict]:
    """What differs between two versions: [{field, label, before, after}], in form order."""
    before, after = intake_values(older), intake_values(newer)
    changes = []
    for question in QUESTIONS:
        name = question.name
        if older is not None and before[name] == after[name]:
            continue
        if older is None and not after[name]:
            continue
        changes.append(
            {
                "field": name,
                "label": question.label,
                "before": display_value(name, before[name]) if older is not None else "",
                "after": display_value(name, after[name]),
            }
        )
    return changes
