"""Session notes: drafts autosave into one note, a signed note refuses edits at the service and
the view, addenda keep their order, pressure feedback becomes a new intake version, plan progress
arithmetic, privacy, and the progress view's query count."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import IntakeVersion
from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from practice.models import AuditEvent
from sessions import notes
from sessions.models import Appointment, CarePhase, SessionNote, TreatmentPlan
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, weekly_hours

VISIT = datetime(2030, 12, 9, 10, 0)


@pytest.fixture
def visit(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        client = ClientFactory(practice=practice, first_name="Sage", last_name="Northcott")
        intake_record(client=client, source="client_link", answers=intake_answers(pressure="medium"))
        booked = appointment_book(
            practice=practice,
            client=client,
            therapist=therapist,
            service=ServiceFactory(practice=practice),
            notify=False,
            starts_at=VISIT.replace(tzinfo=practice.zone),
        )
        yield appointment_complete(appointment=booked)


def _url(visit, tail):
    return f"/p/{visit.practice.slug}/appointments/{visit.pk}/note/{tail}"


def _form(**overrides):
    data = {
        "subjective": "Neck stiff after long drives",
        "assessment": "Eased well",
        "pressure_used": "medium",  # as the client's intake asks (sessions/tests/test_wishes.py has the rest)
        "areas_worked": ["neck_left", "shoulder_left", "shoulder_right"],
        "pain_neck": "6",
        "pressure_feedback": "right",
        "plan_focus": "Left trapezius",
        "plan_interval_days": "14",
    }
    return {**data, **overrides}


def _note(visit):
    with scopes_disabled():
        return SessionNote.objects.get(visit=visit)


def test_autosave_keeps_one_draft_however_often_it_runs(client_for, therapist, visit):
    as_therapist = client_for(therapist)
    for text in ("Neck", "Neck stiff", "Neck stiff after long drives"):
        response = as_therapist.post(_url(visit, "autosave/"), _form(subjective=text), HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and b"Draft saved" in response.content
        assert response["X-Autosave"] == "saved"
    with scopes_disabled():
        assert SessionNote.objects.filter(visit=visit).count() == 1
    note = _note(visit)
    assert note.subjective == "Neck stiff after long drives" and note.pain_ratings == {"neck": 6}
    assert note.areas_worked == ["neck_left", "shoulder_left", "shoulder_right"] and not note.is_signed


def test_a_bad_autosave_says_what_to_check_and_keeps_the_last_good_draft(client_for, therapist, visit):
    as_therapist = client_for(therapist)
    as_therapist.post(_url(visit, "autosave/"), _form(), HTTP_HX_REQUEST="true")
    response = as_therapist.post(
        _url(visit, "autosave/"), _form(pain_neck="12", subjective="changed"), HTTP_HX_REQUEST="true"
    )
    assert b"Not saved yet" in response.content and b"Neck" in response.content
    assert response["X-Autosave"] == "invalid"
    assert _note(visit).subjective == "Neck stiff after long drives"


def test_signing_locks_the_note_at_the_service_and_the_view(client_for, therapist, visit):
    as_therapist = client_for(therapist)
    signed = as_therapist.post(_url(visit, "edit/"), {**_form(), "sign": "1"})
    assert signed.status_code == 302
    note = _note(visit)
    assert note.is_signed
    with scope(practice=visit.practice):
        with pytest.raises(ValidationError, match="signed"):
            notes.note_save_draft(note=note, fields={"assessment": "rewritten"})
        note.assessment = "rewritten"
        with pytest.raises(ValueError, match="never changed"):
            note.save()
    edit = as_therapist.post(_url(visit, "edit/"), _form(assessment="rewritten"))
    assert edit.status_code == 302 and edit["Location"].endswith("/note/")  # the edit page sends you to the record
    autosave = as_therapist.post(_url(visit, "autosave/"), _form(assessment="rewritten"), HTTP_HX_REQUEST="true")
    assert autosave.status_code == 200 and b"no longer saved" in autosave.content
    assert autosave["X-Autosave"] == "signed"  # an answer the page counts as having reached the note
    assert _note(visit).assessment == "Eased well"
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="sign", record_id=str(note.pk)).exists()


def test_a_note_needs_the_essentials_before_signing(client_for, therapist, visit):
    response = client_for(therapist).post(
        _url(visit, "edit/"), {**_form(subjective="", assessment="", pressure_used=""), "sign": "1"}
    )
    assert response.status_code == 400 and b"Before signing" in response.content
    assert not _note(visit).is_signed


def test_addenda_are_kept_in_order_with_their_authors(client_for, therapist, owner, visit):
    client_for(therapist).post(_url(visit, "edit/"), {**_form(), "sign": "1"})
    client_for(therapist).post(_url(visit, "addendum/"), {"text": "Forgot: client mentioned a headache."})
    client_for(owner).post(_url(visit, "addendum/"), {"text": "Reviewed."})
    page = client_for(therapist).get(_url(visit, ""))
    addenda = list(page.context["addenda"])
    assert [(a.text, a.author) for a in addenda] == [
        ("Forgot: client mentioned a headache.", therapist),
        ("Reviewed.", owner),
    ]
    assert page.content.index(b"Forgot") < page.content.index(b"Reviewed.")


def test_too_light_feedback_becomes_a_new_intake_version_in_one_click(client_for, therapist, visit):
    as_therapist = client_for(therapist)
    as_therapist.post(
        _url(visit, "edit/"), {**_form(pressure_used="firm", pressure_feedback="too_light"), "sign_anyway": "1"}
    )
    page = as_therapist.get(_url(visit, ""))
    assert page.context["proposal"] == ("medium", "deep")
    assert b"Change to deep" in page.content
    as_therapist.post(_url(visit, "pressure/"))
    with scopes_disabled():
        versions = list(IntakeVersion.objects.filter(client=visit.client).order_by("number"))
    assert [v.pressure for v in versions] == ["medium", "deep"]  # a new version; the old one stands
    assert versions[1].source == "staff" and versions[1].created_by == therapist
    assert versions[1].consent_to_treatment and versions[1].signature_name == versions[0].signature_name
    assert as_therapist.get(_url(visit, "")).context["proposal"] is None


def test_right_pressure_proposes_nothing(client_for, therapist, visit):
    client_for(therapist).post(_url(visit, "edit/"), {**_form(pressure_feedback="right"), "sign": "1"})
    assert client_for(therapist).get(_url(visit, "")).context["proposal"] is None


def _plan(practice, client, **rhythm):
    phase = CarePhase.objects.create(practice=practice, name=f"Phase {TreatmentPlan.objects.count()}")
    return TreatmentPlan.objects.create(
        practice=practice, client=client, phase=phase, starts_on=date(2030, 1, 7), **rhythm
    )


@pytest.mark.parametrize(
    "rhythm,today,done,expected,on_track",
    [
        ({"sessions_planned": 4, "within_days": 10}, date(2030, 1, 7), 1, 1, True),  # day 0: the first
        ({"sessions_planned": 4, "within_days": 10}, date(2030, 1, 11), 1, 2, False),  # day 4 of 3.3-day spacing
        ({"sessions_planned": 4, "within_days": 10}, date(2030, 1, 17), 4, 4, True),  # done, all four
        ({"sessions_planned": 4, "within_days": 10}, date(2030, 3, 1), 3, 4, False),  # capped at four
        ({"every_days": 7, "sessions_planned": 6}, date(2030, 1, 21), 3, 3, True),  # weekly: days 0, 7, 14
        ({"every_days": 28}, date(2030, 6, 1), 5, 6, False),  # monthly, ongoing
        ({"every_days": 7}, date(2030, 1, 1), 0, 0, True),  # not started yet
    ],
)
def test_plan_progress_arithmetic(practice, rhythm, today, done, expected, on_track):
    with scope(practice=practice):
        plan = _plan(practice, ClientFactory(practice=practice), **rhythm)
        progress = notes.plan_progress(plan=plan, today=today, done=done)
    assert (progress.expected, progress.on_track) == (expected, on_track)


def test_the_plan_feeds_the_checkout_recommendation(practice, visit):
    with scope(practice=practice):
        assert notes.next_visit_advice(visit=visit)[0] is None
        _plan(practice, visit.client, sessions_planned=4, within_days=10)
        interval, _, source = notes.next_visit_advice(visit=visit)
        assert interval == 3 and "4 sessions within 10 days" in source
        note = notes.note_for_visit(visit=visit, author=visit.therapist)
        notes.note_save_draft(note=note, fields={"plan_interval_days": 5})
        assert notes.next_visit_advice(visit=visit)[:1] == (5,)


def test_the_front_desk_never_reads_notes(client_for, front_desk, therapist, visit):
    client_for(therapist).post(_url(visit, "edit/"), {**_form(), "sign": "1"})
    as_desk = client_for(front_desk)
    for url in (_url(visit, ""), _url(visit, "edit/"), f"/p/{visit.practice.slug}/clients/{visit.client.pk}/progress/"):
        assert as_desk.get(url).status_code == 403
    page = as_desk.get(f"/p/{visit.practice.slug}/appointments/{visit.pk}/")
    assert b"Session note" not in page.content


def test_every_read_of_a_note_is_audited(client_for, owner, therapist, visit):
    client_for(therapist).post(_url(visit, "edit/"), {**_form(), "sign": "1"})
    client_for(owner).get(_url(visit, ""))
    with scopes_disabled():
        assert (
            AuditEvent.objects.filter(actor=owner, action="view", record_type="therapy_sessions.sessionnote").count()
            == 1
        )


def test_the_progress_view_with_200_visits_costs_a_fixed_number_of_queries(client_for, therapist, practice):
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
        service = ServiceFactory(practice=practice)
        start = datetime(2025, 1, 6, 9, 0).replace(tzinfo=practice.zone)

        def add_visits(count, offset):
            for n in range(offset, offset + count):
                starts = start + timedelta(days=n)
                visit = Appointment.objects.create(
                    practice=practice,
                    client=client,
                    therapist=therapist,
                    service=service,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    blocked_until=starts + timedelta(hours=1),
                    status="completed",
                )
                SessionNote.objects.create(
                    practice=practice,
                    visit=visit,
                    client=client,
                    therapist=therapist,
                    pain_ratings={"neck": n % 10},
                    pressure_used="firm",
                    signed_at=starts,
                )

        add_visits(5, 0)
        _plan(practice, client, every_days=7)
    as_therapist = client_for(therapist)
    url = f"/p/{practice.slug}/clients/{client.pk}/progress/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = as_therapist.get(url)
        assert response.status_code == 200
        return len(captured), response

    queries()  # the first visit creates the practice's default lists
    few, _ = queries()
    with scope(practice=practice):
        add_visits(195, 5)
    many, response = queries()
    assert many == few, (few, many)
    assert len(response.context["visits"]) == 200
    chart = as_therapist.get(f"{url}pain.svg")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml" and b"Neck" in chart.content


def test_a_therapist_template_fills_a_new_draft(client_for, therapist, visit, practice):
    as_therapist = client_for(therapist)
    as_therapist.post(
        _url(visit, "autosave/"),
        _form(plan_focus="Hips and glutes", home_care="Pigeon stretch"),
        HTTP_HX_REQUEST="true",
    )
    as_therapist.post(_url(visit, "template/"), {"action": "save"})
    with scope(practice=practice):
        later = appointment_book(
            practice=practice,
            client=visit.client,
            therapist=therapist,
            service=visit.service,
            notify=False,
            starts_at=(VISIT + timedelta(days=7)).replace(tzinfo=practice.zone),
        )
    as_therapist.post(_url(later, "template/"), {"action": "use"})
    with scopes_disabled():
        draft = SessionNote.objects.get(visit=later)
    assert (draft.plan_focus, draft.home_care, draft.pressure_used) == ("Hips and glutes", "Pigeon stretch", "medium")
    assert draft.areas_worked == ["neck_left", "shoulder_left", "shoulder_right"] and draft.subjective == ""


def test_the_brief_shows_the_last_plan_and_the_front_desk_sees_only_the_summary(
    client_for, therapist, front_desk, visit
):
    client_for(therapist).post(
        _url(visit, "edit/"),
        {**_form(client_summary="Your neck eased well; try the chin tuck.", summary_approved="on"), "sign": "1"},
    )
    with scope(practice=visit.practice):
        intake_record(client=visit.client, source="client_link", answers=intake_answers(pressure="deep"))
    brief = client_for(therapist).get(f"/p/{visit.practice.slug}/clients/{visit.client.pk}/brief/")
    assert b"Left trapezius" in brief.content and b"Changed since the last visit" in brief.content
    assert [c["field"] for c in brief.context["changes"]] == ["pressure"]
    checkout = client_for(front_desk).get(f"/p/{visit.practice.slug}/appointments/{visit.pk}/checkout/")
    assert b"try the chin tuck" in checkout.content and b"Neck stiff after long drives" not in checkout.content
    assert b"from the session note" in checkout.content  # the note's 14 days feed the recommendation


def test_the_brief_starts_the_visits_note_and_the_note_form_shows_alerts_and_cautions(client_for, therapist, visit):
    practice = visit.practice
    with scope(practice=practice):
        visit.client.alerts = "Latex allergy"
        visit.client.save(update_fields=["alerts"])
        intake_record(
            client=visit.client,
            source="client_link",
            answers=intake_answers(cautions=["blood_clots"], caution_details="On warfarin since March"),
        )
        other = ClientFactory(practice=practice)
    brief_url = f"/p/{practice.slug}/clients/{visit.client.pk}/brief/"
    brief = client_for(therapist).get(brief_url, {"visit": visit.pk})
    assert brief.context["note_link"]["label"] == "Start note"
    assert f'href="{_url(visit, "edit/")}"' in brief.content.decode()
    # Another client's visit, or a made-up id, offers none.
    other_brief = f"/p/{practice.slug}/clients/{other.pk}/brief/"
    assert client_for(therapist).get(other_brief, {"visit": visit.pk}).context["note_link"] is None
    assert client_for(therapist).get(brief_url, {"visit": "not-a-uuid"}).context["note_link"] is None
    form = client_for(therapist).get(_url(visit, "edit/")).content.decode()
    assert "Latex allergy" in form and "Blood clots" in form and "On warfarin since March" in form
    brief = client_for(therapist).get(brief_url, {"visit": visit.pk})
    assert brief.context["note_link"]["label"] == "Continue the note"  # the draft exists now
    client_for(therapist).post(_url(visit, "edit/"), {**_form(), "sign": "1"})
    brief = client_for(therapist).get(brief_url, {"visit": visit.pk})
    assert brief.context["note_link"]["label"] == "Open the signed note"
    assert f'href="{_url(visit, "")}"' in brief.content.decode()


def test_the_brief_without_a_visit_offers_the_note_of_the_clients_visit_today(client_for, therapist, practice):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        client = ClientFactory(practice=practice)
        service = ServiceFactory(practice=practice)
        today = timezone.localdate(timezone=practice.zone)
        soon = datetime.combine(today + timedelta(days=1), time(10)).replace(tzinfo=practice.zone)
        appointment_book(practice=practice, client=client, therapist=therapist, service=service, starts_at=soon)
    brief_url = f"/p/{practice.slug}/clients/{client.pk}/brief/"
    assert client_for(therapist).get(brief_url).context["note_link"] is None  # tomorrow's is not today's
    with scope(practice=practice):
        now = timezone.now().replace(second=0, microsecond=0)
        visit = Appointment.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            blocked_until=now + timedelta(hours=1),
        )
    link = client_for(therapist).get(brief_url).context["note_link"]
    assert link["visit"] == visit and link["label"] == "Start note"
