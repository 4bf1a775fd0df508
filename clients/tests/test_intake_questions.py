"""The intake questionnaire is defined once (clients.intake.QUESTIONS): every answer the model keeps
is asked, shown and compared, and what the form gives back is what the model stores."""

from datetime import UTC

import pytest
from django.utils import formats, timezone
from django_scopes import scope

from clients.forms import IntakeForm, intake_initial
from clients.intake import INTAKE_FIELDS, QUESTIONS, intake_answers, intake_changes, intake_values
from clients.models import BODY_AREAS, IntakeVersion
from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_post
from clients.tests.factories import intake_answers as complete_answers

# What an intake version records about itself rather than the client's answers.
METADATA = {"id", "practice", "client", "number", "source", "created_by", "created_at", "signed_at", "signed_ip"}


def _form_names(question) -> set[str]:
    return {f"pain_{area}" for area, _ in BODY_AREAS} if question.name == "pain_ratings" else {question.name}


def test_every_answer_the_model_keeps_is_one_question():
    answers = {field.name for field in IntakeVersion._meta.concrete_fields} - METADATA
    assert sorted(INTAKE_FIELDS) == sorted(answers)
    assert len(INTAKE_FIELDS) == len(set(INTAKE_FIELDS))
    assert set(complete_answers()) == answers, "the test factory gives every answer"


@pytest.mark.parametrize("signing", [True, False])
def test_the_form_asks_each_question_once(signing):
    form = IntakeForm(signing=signing, email="a@b.example", phone="+16035550100")
    asked = {q.name for q in QUESTIONS if signing or not q.signing_only}
    expected = set().union(*(_form_names(q) for q in QUESTIONS if q.name in asked))
    assert set(form.fields) == expected
    laid_out = [pointer.name for pointer in form.helper.layout.get_field_names()]
    assert sorted(laid_out) == sorted(form.fields), "each field is laid out once"
    for question in QUESTIONS:
        if question.name in form.fields:
            assert form.fields[question.name].label == question.ask
            limit = question.model_field.max_length
            assert getattr(form.fields[question.name], "max_length", limit) == limit


def test_what_the_form_gives_back_is_what_the_model_stores_and_what_it_starts_from(practice):
    form = IntakeForm(
        intake_post(cautions=["allergies"], caution_details="Lavender"), signing=True, email="a@b.example"
    )
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert set(answers) == set(INTAKE_FIELDS)
    with scope(practice=practice):
        version = intake_record(
            client=ClientFactory(practice=practice), source=IntakeVersion.Source.CLIENT_LINK, answers=answers
        )
        staff_form = IntakeForm(signing=False, email="a@b.example", initial=intake_initial(intake_values(version)))
    started = {name: staff_form.initial.get(name) for name in staff_form.fields}
    assert started["caution_details"] == "Lavender" and started["pain_neck"] == 6 and started["pressure"] == "medium"


def test_every_shown_question_is_on_the_answers_page_and_every_change_is_compared(practice):
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
        older = intake_record(client=client, source=IntakeVersion.Source.CLIENT_LINK, answers=complete_answers())
        changed = {
            "cautions": ["pregnancy"],
            "caution_details": "Second trimester",
            "pain_ratings": {"back_lower": 4},
            "reason_for_visit": "Back ache",
            "goals": "Sleep well",
            "pressure": "light",
            "focus_areas": ["back_lower"],
            "avoid_areas": ["neck"],
            "area_notes": "Side-lying",
            "conversation": "chatty",
            "comfort_notes": "Warm table",
            "consent_to_treatment": True,
            "signature_name": "Client Changed",
            "reminder_channel": "none",
            "followup_consent": False,
            "marketing_email": True,
            "marketing_sms": True,
        }
        assert set(changed) == set(INTAKE_FIELDS)
        newer = intake_record(
            client=client, source=IntakeVersion.Source.CLIENT_LINK, answers=complete_answers(**changed)
        )
    labels = [label for label, _ in intake_answers(newer)]
    assert labels == [q.label for q in QUESTIONS if q.on_answers_page]
    compared = {change["field"] for change in intake_changes(older, newer)}
    assert compared == set(INTAKE_FIELDS) - {"consent_to_treatment"}  # consent was given both times


def test_the_signature_time_reads_in_the_practice_time(practice):
    with scope(practice=practice):
        version = intake_record(
            client=ClientFactory(practice=practice), source=IntakeVersion.Source.CLIENT_LINK, answers=complete_answers()
        )
    with timezone.override(practice.zone):
        consent = dict(intake_answers(version))["Consent to treatment"]
    assert formats.date_format(timezone.localtime(version.signed_at, practice.zone), "j M Y H:i") in consent
    assert timezone.localtime(version.signed_at, practice.zone).hour != version.signed_at.astimezone(UTC).hour
