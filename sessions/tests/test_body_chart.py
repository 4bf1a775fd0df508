"""The body chart knows sides and finer regions; notes written before it stay readable as they were
signed, and what a new draft takes over from them becomes the regions they covered."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import AREA_LABELS, BODY_AREAS, EARLIER_NOTE_AREAS, NOTE_AREAS, area_label, note_areas
from outreach.models import ProgressReport
from outreach.reports import gather_facts, report_html
from referrals.models import Partner
from sessions.bodychart import BODY_CHART
from sessions.models import Appointment, SessionNote
from sessions.tests.test_notes import _form, _url, visit  # noqa: F401  (the fixture)

FORTNIGHT = timedelta(days=14)


def _shapes(caption):
    [view] = [view for view in BODY_CHART if view["caption"] == caption]
    return {key: at for _, key, at, _ in view["shapes"]}


def _middle(at) -> float:
    return at["cx"] if "cx" in at else at["x"] + at["width"] / 2


def test_every_region_and_side_is_on_the_chart_each_side_where_it_is_seen():
    front, back = _shapes("Front"), _shapes("Back")
    assert set(front) | set(back) == {key for key, _ in NOTE_AREAS}
    # From the front the client's right is on the viewer's left; from the back, their left is.
    for region in ("shoulder", "hand", "foot", "chest", "thigh"):
        assert _middle(front[f"{region}_right"]) < 60 < _middle(front[f"{region}_left"])
    for region in ("shoulder", "hand", "foot", "upper_back", "calf"):
        assert _middle(back[f"{region}_left"]) < 60 < _middle(back[f"{region}_right"])
    assert area_label("shoulder_left") == "Left shoulder" and area_label("hip_right") == "Right hip (front)"


def test_the_areas_of_earlier_notes_keep_their_labels_and_become_the_regions_they_covered():
    assert set(EARLIER_NOTE_AREAS) == {key for key, _ in BODY_AREAS}
    assert all(set(areas) <= set(AREA_LABELS) for areas in EARLIER_NOTE_AREAS.values())
    assert [area_label(key) for key in ("shoulders", "head_jaw", "legs")] == ["Shoulders", "Head and jaw", "Legs"]
    assert note_areas(["shoulders", "shoulder_left", "neck_right", "abdomen"]) == [
        "shoulder_left",
        "shoulder_right",
        "neck_right",
        "abdomen",
    ]


def test_a_signed_note_of_the_earlier_chart_reads_as_signed_and_the_next_draft_takes_both_sides(
    client_for,
    therapist,
    visit,  # noqa: F811
):
    practice = visit.practice
    with scope(practice=practice):
        earlier = Appointment.objects.create(
            practice=practice,
            client=visit.client,
            therapist=therapist,
            service=visit.service,
            starts_at=visit.starts_at - FORTNIGHT,
            ends_at=visit.ends_at - FORTNIGHT,
            blocked_until=visit.ends_at - FORTNIGHT,
            status="completed",
        )
        old = SessionNote.objects.create(
            practice=practice,
            visit=earlier,
            client=visit.client,
            therapist=therapist,
            subjective="Tight shoulders",
            pressure_used="firm",
            areas_worked=["shoulders", "upper_back"],
            signed_at=earlier.ends_at,
        )
    as_therapist = client_for(therapist)
    page = as_therapist.get(_url(earlier, "")).content.decode()
    assert "Shoulders, Upper back" in page  # under the labels it was signed with
    as_therapist.post(_url(visit, "from-last/"))
    with scopes_disabled():
        draft = SessionNote.objects.get(visit=visit)
        old.refresh_from_db()
    assert draft.areas_worked == ["shoulder_left", "shoulder_right", "upper_back_left", "upper_back_right"]
    assert old.areas_worked == ["shoulders", "upper_back"]  # the signed note is never rewritten
    form = as_therapist.get(_url(visit, "edit/")).content.decode()
    assert 'value="shoulder_left" id="area-shoulder_left" checked' in form
    assert 'value="shoulder_right" id="area-shoulder_right" checked' in form
    assert 'value="neck_left" id="area-neck_left">' in form  # not worked


def test_a_note_with_sides_reads_with_them_in_the_note_the_brief_and_the_progress_report(client_for, therapist, visit):  # noqa: F811
    as_therapist = client_for(therapist)
    made_up = as_therapist.post(_url(visit, "autosave/"), _form(areas_worked=["shoulder_middle"]))
    assert made_up["X-Autosave"] == "invalid" and b"Areas worked" in made_up.content
    signed = _form(areas_worked=["shoulder_left", "hamstring_right"])
    as_therapist.post(_url(visit, "edit/"), {**signed, "sign_anyway": "1"})  # the neck, their focus, was not worked
    page = as_therapist.get(_url(visit, "")).content.decode()
    assert "Left shoulder, Right hamstring" in page and "shoulder_left" not in page
    brief = as_therapist.get(f"/p/{visit.practice.slug}/clients/{visit.client.pk}/brief/").content.decode()
    assert "areas worked: Left shoulder, Right hamstring" in brief  # the last session, as signed
    with scope(practice=visit.practice):
        day = visit.starts_at.astimezone(visit.practice.zone).date()
        facts = gather_facts(client=visit.client, start=day, end=day)
        partner = Partner.objects.create(practice=visit.practice, organisation="Quayside", kind="chiropractor")
        report = ProgressReport(
            practice=visit.practice, client=visit.client, partner=partner, facts=facts, signed_at=timezone.now()
        )
        pdf_html = report_html(report)
    assert facts["visits"][0]["areas"] == ["Left shoulder", "Right hamstring"]
    assert "<td>Left shoulder, Right hamstring</td>" in pdf_html and "shoulder_left" not in pdf_html
