"""Catch it before the client feels it: a note that works an area the client asked to avoid, none of
the areas they came for, or another pressure is said before signing, signed only "anyway", kept on
the signed note, and counted per therapist for the owner."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.services import intake_record
from clients.tests.factories import intake_answers
from sessions.models import SessionNote
from sessions.notes import AgainstWishes, note_save_draft, note_sign
from sessions.tests import test_notes
from sessions.tests.test_notes import _form, _url
from sessions.wishes import AVOID, FOCUS, PRESSURE, against_wishes, against_wishes_by_therapist

visit = test_notes.visit  # the notes' fixture: a completed visit of Sage, who has an intake


def _note(visit, **fields):
    with scopes_disabled():
        note = SessionNote.objects.get_or_create(
            practice=visit.practice, visit=visit, defaults={"client": visit.client, "therapist": visit.therapist}
        )[0]
    for name, value in fields.items():
        setattr(note, name, value)
    return note


def _intake(visit, **answers):
    with scope(practice=visit.practice):
        return intake_record(client=visit.client, source="staff", answers=intake_answers(**answers))


def test_each_kind_of_wish_is_found_in_words(visit):
    intake = _intake(visit, pressure="medium", focus_areas=["lower_back"], avoid_areas=["shoulders"])
    note = _note(visit, areas_worked=["neck_left", "shoulder_right"], pressure_used="deep")
    found = against_wishes(note=note, intake=intake)
    assert [wish.kind for wish in found] == [AVOID, FOCUS, PRESSURE]
    assert found[0].message == "You marked the right shoulder as worked; Sage asked to avoid shoulders."
    assert found[1].message == "None of the areas Sage asked to focus on (lower back) is marked as worked."
    assert found[2].message == "Pressure used: deep; Sage prefers medium."


def test_a_session_as_asked_raises_nothing(visit):
    intake = _intake(visit, pressure="medium", focus_areas=["neck"], avoid_areas=["feet"])
    assert against_wishes(note=_note(visit, areas_worked=["neck_left"], pressure_used="medium"), intake=intake) == []
    # An earlier note's intake-style key counts as its regions; nothing marked says nothing of focus.
    assert against_wishes(note=_note(visit, areas_worked=["neck"], pressure_used=""), intake=intake) == []
    assert against_wishes(note=_note(visit, areas_worked=[], pressure_used="medium"), intake=intake) == []
    assert against_wishes(note=_note(visit, areas_worked=["foot_left"]), intake=None) == []


def test_signing_against_the_wishes_asks_first_then_keeps_them_on_the_note(client_for, therapist, visit):
    _intake(visit, pressure="medium", focus_areas=["neck"], avoid_areas=["shoulders"])
    as_therapist = client_for(therapist)
    asked = as_therapist.post(_url(visit, "edit/"), {**_form(), "sign": "1"})  # the shoulders are in the form
    assert asked.status_code == 302 and asked["Location"].endswith("/note/edit/?sign=confirm")  # the draft is saved
    page = as_therapist.get(asked["Location"]).content.decode()
    assert "Not signed yet" in page and "Sign anyway" in page
    assert "You marked the left shoulder, right shoulder as worked; Sage asked to avoid shoulders." in page
    with scopes_disabled():
        assert not SessionNote.objects.get(visit=visit).is_signed  # the draft is kept, not signed

    as_therapist.post(_url(visit, "edit/"), {**_form(), "sign_anyway": "1"})
    with scopes_disabled():
        note = SessionNote.objects.get(visit=visit)
    assert note.is_signed and note.against_wishes == [AVOID]


def test_the_form_says_so_as_soon_as_the_draft_goes_against_them(client_for, therapist, visit):
    _intake(visit, pressure="light", focus_areas=["neck"], avoid_areas=["feet"])
    as_therapist = client_for(therapist)
    as_therapist.post(_url(visit, "autosave/"), _form(pressure_used="firm"), HTTP_HX_REQUEST="true")
    page = as_therapist.get(_url(visit, "edit/")).content.decode()
    assert "Against Sage's wishes (as last saved)" in page and "Pressure used: firm; Sage prefers light." in page
    assert "Sign anyway" not in page  # offered only once they have asked to sign


def test_the_service_refuses_unconfirmed_signing(visit, therapist):
    _intake(visit, pressure="medium", focus_areas=["neck"], avoid_areas=["feet"])
    with scope(practice=visit.practice):
        note = _note(visit)
        note_save_draft(
            note=note, fields={"subjective": "Stiff", "pressure_used": "deep", "areas_worked": ["neck_left"]}
        )
        with pytest.raises(AgainstWishes):
            note_sign(note=note, actor=therapist)
        assert note_sign(note=note, actor=therapist, anyway=True).against_wishes == [PRESSURE]


def test_the_owner_sees_them_counted_per_therapist_and_a_therapist_does_not(
    client_for, owner, therapist, visit, practice
):
    _intake(visit, pressure="medium", focus_areas=["neck"], avoid_areas=["shoulders"])
    client_for(therapist).post(_url(visit, "edit/"), {**_form(pressure_used="deep"), "sign_anyway": "1"})
    now = timezone.now()
    with scope(practice=practice):
        SessionNote.objects.filter(visit=visit).update(signed_at=now - timedelta(days=1))
        rows = against_wishes_by_therapist(practice=practice, since=now - timedelta(days=30), until=now)
    assert [(r["therapist_id"], r["signed"], r["against"], *r["counts"]) for r in rows] == [  # avoid, focus, pressure
        (therapist.pk, 1, 1, 1, 0, 1)
    ]
    home = client_for(owner).get(f"/p/{practice.slug}/").content.decode()
    assert "Notes against the client's wishes" in home and "1 of 1" in home
    assert "Notes against the client" not in client_for(therapist).get(f"/p/{practice.slug}/").content.decode()
