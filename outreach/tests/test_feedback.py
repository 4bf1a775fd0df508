"""One-tap feedback after a visit, with the clock under control: the follow-up email's one-click
links, recorded once per visit and never by a link scanner's GET; the owner's call; the brief, the
pressure proposal, the timeline; the figures per therapist."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core.cache import cache
from django_scopes import scope, scopes_disabled

from clients.models import IntakeVersion
from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from clients.timeline import client_timeline
from outbox.consent import has_consent
from outbox.models import ConsentEvent, OutboxMessage
from outreach.feedback import feedback_path, feedback_record, feedback_token
from outreach.models import CallTask, VisitFeedback
from outreach.selectors import feedback_by_therapist
from practice.models import AuditEvent, Membership
from practice.tests.factories import MembershipFactory
from sessions.models import SessionNote
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, weekly_hours

VISIT = datetime(2030, 12, 9, 10, 0)  # a Monday
EMAIL_DUE = datetime(2030, 12, 10, 10, 1)  # the follow-up goes out the next morning
LATER = datetime(2030, 12, 10, 12, 0)  # when the client opens it


@pytest.fixture
def setup(practice, therapist, owner):
    cache.clear()  # the page's rate limits count in the cache
    with scope(practice=practice):
        weekly_hours(practice, therapist, days=range(5))
        yield {
            "practice": practice,
            "therapist": therapist,
            "owner": owner,
            "service": ServiceFactory(practice=practice),
        }


def _client(practice, **answers):
    client = ClientFactory(
        practice=practice, first_name="Morgan", email="morgan@clients.example", phone="+1 603 555 0101"
    )
    intake_record(client=client, source="client_link", answers=intake_answers(**answers))
    return client


def _visit(setup, client, local=VISIT):
    booked = appointment_book(
        practice=setup["practice"],
        client=client,
        therapist=setup["therapist"],
        service=setup["service"],
        starts_at=local.replace(tzinfo=setup["practice"].zone),
        notify=False,
    )
    return appointment_complete(appointment=booked)


def _at(practice, local):
    return time_machine.travel(local.replace(tzinfo=practice.zone), tick=False)


def _email(setup, send_outbox, mailoutbox):
    _visit(setup, _client(setup["practice"]))
    with _at(setup["practice"], EMAIL_DUE):
        send_outbox()
    [email] = mailoutbox
    return email


def _link(email, label_pattern):
    """The path of the text email's link whose answer matches, e.g. 'Too light'."""
    return re.search(rf"- {label_pattern}: http://[^/\s]+(/feedback/\S+)", email.body).group(1)


def _feedback(visit=None):
    with scopes_disabled():
        rows = VisitFeedback.objects.all()
        return rows.get(visit=visit) if visit else rows.first()


def test_the_email_asks_three_questions_each_answer_one_click(setup, send_outbox, mailoutbox):
    email = _email(setup, send_outbox, mailoutbox)
    assert "How was the pressure?" in email.body and "Did we work on what you came for?" in email.body
    links = re.findall(r"http://[^/\s]+/feedback/[^?\s]+/\?(\w+)=(\w+)", email.body)
    assert links == [
        ("pressure", "too_light"),
        ("pressure", "just_right"),
        ("pressure", "too_deep"),
        ("focus", "yes"),
        ("focus", "partly"),
        ("focus", "no"),
        ("conversation", "too_much"),
        ("conversation", "just_right"),
        ("conversation", "more"),
    ]
    html = email.alternatives[0][0]
    assert html.count("/feedback/") == 9 and "I&#x27;d have liked more" in html
    # Consent and unsubscribe as for every care follow-up.
    assert "List-Unsubscribe" in email.extra_headers and "/unsubscribe/" in email.body


def test_a_click_records_once_and_a_scanners_get_writes_nothing(setup, send_outbox, mailoutbox, client):
    email = _email(setup, send_outbox, mailoutbox)
    too_light, too_deep = _link(email, "Too light"), _link(email, "Too deep")
    with _at(setup["practice"], LATER):
        scanned = client.get(too_light)  # what a mail service's link scanner does before the reader
        assert scanned.status_code == 200 and _feedback() is None
        page = scanned.content.decode()
        # The answer clicked, chosen, in a form our script sends at once (or the reader presses Send).
        assert "data-autosubmit" in page and 'value="too_light" checked' in page and ">Send</button>" in page
        path = too_light.split("?")[0]
        sent = client.post(path, {"pressure": "too_light"})  # the form as the page sends it
        assert sent.status_code == 302 and sent["Location"] == path
        thanks = client.get(path).content.decode()
        assert "Thank you, Morgan" in thanks and "How was the pressure? <strong>Too light</strong>" in thanks
        assert "Did we work on what you came for?" in thanks and 'name="rating"' in thanks  # what is left
        assert "Book your next" in thanks and 'action="/rebook/' in thanks  # and times to book

        # A second click: the first answer stands, and the page says what it was.
        again = client.get(too_deep).content.decode()
        assert "data-autosubmit" not in again and "How was the pressure? <strong>Too light</strong>" in again
        assert "You had answered this already; we keep your first answer." in again
        client.post(path, {"pressure": "too_deep", "focus": "yes"})
    feedback = _feedback()
    assert (feedback.pressure, feedback.focus) == ("too_light", "yes")
    assert feedback.answered_at == LATER.replace(tzinfo=setup["practice"].zone)
    with scopes_disabled():
        assert VisitFeedback.objects.count() == 1


def test_the_thank_you_page_takes_the_rest_a_rating_and_a_comment(setup, send_outbox, mailoutbox, client):
    email = _email(setup, send_outbox, mailoutbox)
    path = _link(email, "Just right").split("?")[0]
    with _at(setup["practice"], LATER):
        client.post(path, {"conversation": "more"})
        client.post(path, {"rating": "4", "comment": "Lovely, thank you."})
        refused = client.post(path, {"rating": "9"})  # not one of the answers: nothing is recorded
        assert refused.status_code == 400 and b"Choose an answer" in refused.content
        client.post(path, {"rating": "1", "comment": "Changed my mind"})  # given already: they stand
        page = client.get(path).content.decode()
    feedback = _feedback()
    assert (feedback.conversation, feedback.rating, feedback.comment) == ("more", 4, "Lovely, thank you.")
    assert "Your rating <strong>4 out of 5</strong>" in page and 'name="rating"' not in page
    assert "Your comment: “Lovely, thank you.”" in page
    assert _calls() == []  # nothing low


@pytest.mark.parametrize(
    "mangle,status,message",
    [
        (lambda token: token[:-3] + "abc", 404, "This link does not work"),  # tampered
        (lambda token: token.split(":")[0] + ":x", 404, "This link does not work"),  # cut short
        (lambda token: "not-a-token", 404, "This link does not work"),
    ],
)
def test_a_bad_link_says_so(setup, client, mangle, status, message):
    visit = _visit(setup, _client(setup["practice"]))
    answer = client.get(f"/feedback/{mangle(feedback_token(visit))}/?pressure=too_light")
    assert answer.status_code == status and message in answer.content.decode()
    assert client.post(f"/feedback/{mangle(feedback_token(visit))}/", {"pressure": "too_light"}).status_code == status
    assert _feedback() is None


def test_an_expired_link_or_one_for_another_kind_of_visit_says_so(setup, client):
    practice = setup["practice"]
    visit = _visit(setup, _client(practice))
    with _at(practice, LATER):
        path = feedback_path(visit)
    with _at(practice, LATER + timedelta(days=29)):
        assert client.get(path).status_code == 200
    with _at(practice, LATER + timedelta(days=31)):
        expired = client.get(path)
        assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
        assert client.post(path, {"focus": "no"}).status_code == 410
    booked = appointment_book(
        practice=practice,
        client=visit.client,
        therapist=visit.therapist,
        service=visit.service,
        starts_at=datetime(2030, 12, 16, 10, 0, tzinfo=practice.zone),
        notify=False,
    )
    assert client.get(feedback_path(booked)).status_code == 404  # not taken place: nothing to tell
    rebook_token = re.search(r"/rebook/([^/]+)/", _rebook_url(visit)).group(1)
    assert client.get(f"/feedback/{rebook_token}/").status_code == 404  # another link's signature
    assert _feedback() is None


def _rebook_url(visit):
    from outreach.followups import rebook_url

    return rebook_url(visit)


def _calls():
    with scopes_disabled():
        return list(CallTask.objects.all())


def test_a_no_or_a_low_rating_puts_one_call_on_the_owners_list_due_today(setup, client, client_for):
    practice, owner = setup["practice"], setup["owner"]
    first, second = _client(practice), ClientFactory(practice=practice, first_name="Robin", phone="+1 603 555 0102")
    visit, other = _visit(setup, first), _visit(setup, second, VISIT + timedelta(hours=2))
    # 21:30 in New York on the 10th is the 11th in UTC: "today" is the practice's.
    evening = datetime(2030, 12, 10, 21, 30)
    with _at(practice, evening):
        client.post(feedback_path(visit), {"focus": "no"})
        client.post(feedback_path(visit), {"rating": "1", "comment": "It hurt."})  # the same call
        client.post(feedback_path(other), {"rating": "2"})
        client.post(feedback_path(_visit(setup, second, VISIT + timedelta(days=1))), {"rating": "3", "focus": "partly"})
        calls = _calls()
        assert len(calls) == 2 and {call.client_ref for call in calls} == {first.pk, second.pk}
        call = next(call for call in calls if call.client_ref == first.pk)
        assert (call.assigned_to, call.reason, call.due_on, call.phone) == (
            owner,
            "feedback",
            date(2030, 12, 10),
            first.phone,
        )
        assert "did not work on what they came for" in call.notes and "rating 1/5" in call.notes
        assert "It hurt." in call.notes  # the comment that came after the call was put on the list
        owners_list = client_for(owner).get(f"/p/{practice.slug}/calls/").content.decode()
        assert "Morgan" in owners_list and "Robin" in owners_list and "Feedback" in owners_list
        therapists_list = client_for(setup["therapist"]).get(f"/p/{practice.slug}/calls/").content.decode()
        assert "No calls to make today" in therapists_list  # not the therapist's call to make


def test_the_brief_shows_the_last_feedback_and_proposes_the_pressure(setup, client, client_for):
    practice, therapist = setup["practice"], setup["therapist"]
    patient = _client(practice, pressure="medium", focus_areas=["neck"])
    older, last = _visit(setup, patient), _visit(setup, patient, VISIT + timedelta(days=7))
    SessionNote.objects.create(
        practice=practice,
        visit=last,
        client=patient,
        therapist=therapist,
        pressure_used="medium",
        signed_at=last.ends_at,
    )
    feedback_record(visit=older, answers={"pressure": "too_deep"})
    feedback_record(
        visit=last,
        answers={"pressure": "too_light", "focus": "partly", "conversation": "too_much", "rating": 3, "comment": "OK"},
    )
    url = f"/p/{practice.slug}/clients/{patient.pk}/brief/"
    page = unescape(client_for(therapist).get(url).content.decode())
    assert (
        "Pressure too light; only partly worked on what they came for; would have liked less talking; rating 3/5; “OK”"
        in page
    )
    assert page.index("Focus on") < page.index(">Pressure<")  # the areas come first
    assert "they said we only partly worked on what they came for" in page
    assert "Change their pressure preference from medium to firm" in page

    feedback_id = _feedback(last).pk
    accepted = client_for(therapist).post(
        f"/p/{practice.slug}/clients/{patient.pk}/feedback/pressure/", {"feedback": feedback_id}
    )
    assert accepted.status_code == 302 and accepted["Location"] == url
    versions = list(IntakeVersion.objects.filter(practice=practice, client=patient).order_by("number"))
    assert [v.pressure for v in versions] == ["medium", "firm"] and versions[-1].created_by == therapist
    assert AuditEvent.objects.filter(practice=practice, record_id=versions[-1].pk, action="create").exists()
    after = client_for(therapist).get(url).content.decode()
    assert "Change their pressure preference" not in after  # firm already: nothing left to propose
    stale = client_for(therapist).post(
        f"/p/{practice.slug}/clients/{patient.pk}/feedback/pressure/", {"feedback": feedback_id}
    )
    assert stale.status_code == 302 and IntakeVersion.objects.filter(client=patient).count() == 2


def test_the_brief_without_feedback_or_without_a_proposal(setup, client_for):
    practice = setup["practice"]
    patient = _client(practice)
    visit = _visit(setup, patient)
    url = f"/p/{practice.slug}/clients/{patient.pk}/brief/"
    page = client_for(setup["therapist"]).get(url).content.decode()
    assert "in their words" not in page
    feedback_record(visit=visit, answers={"pressure": "just_right", "focus": "yes"})
    page = client_for(setup["owner"]).get(url).content.decode()
    assert "Pressure just right; worked on what they came for" in page and "Change their pressure" not in page
    assert page.index(">Pressure<") < page.index("Focus on")


def test_the_timeline_shows_feedback_to_those_who_read_notes(setup, front_desk):
    practice = setup["practice"]
    patient = _client(practice)
    feedback_record(visit=_visit(setup, patient), answers={"pressure": "just_right", "conversation": "more"})

    def titles(user):
        membership = Membership.objects.get(practice=practice, user=user)
        timeline = client_timeline(practice=practice, client=patient, membership=membership, now=datetime.now(UTC))
        return [entry.title for entry in timeline.past if entry.kind == "feedback"]

    assert titles(setup["therapist"]) == ["Feedback: pressure just right; would have liked more conversation"]
    assert titles(setup["owner"]) == titles(setup["therapist"])
    assert titles(front_desk) == []


def test_the_self_rebooking_page_asks_too(setup, send_outbox, mailoutbox, client):
    email = _email(setup, send_outbox, mailoutbox)
    rebook = re.search(r"http://[^/\s]+(/rebook/\S+/)", email.body).group(1)
    with _at(setup["practice"], LATER):
        page = client.get(rebook).content.decode()
        assert "How was your last visit?" in page and 'name="pressure" value="too_light"' in page
        action = re.search(r'action="(/feedback/[^"]+)"', page).group(1)
        assert client.post(action, {"pressure": "just_right"}).status_code == 302
        client.post(action, {"focus": "yes"}), client.post(action, {"conversation": "just_right"})
        assert "How was your last visit?" not in client.get(rebook).content.decode()  # all answered
    assert _feedback().pressure == "just_right"


def test_answering_leaves_consent_as_it_was(setup, send_outbox, mailoutbox, client):
    email = _email(setup, send_outbox, mailoutbox)
    with scopes_disabled():
        events = ConsentEvent.objects.count()
    with _at(setup["practice"], LATER):
        client.post(_link(email, "Yes").split("?")[0], {"focus": "yes", "rating": "5"})
    with scopes_disabled():
        assert ConsentEvent.objects.count() == events
    assert has_consent(practice=setup["practice"], channel="email", address="morgan@clients.example", purpose="care")
    assert not has_consent(
        practice=setup["practice"], channel="email", address="morgan@clients.example", purpose="marketing"
    )


def test_a_follow_up_after_the_answers_asks_nothing_again(setup, send_outbox, mailoutbox):
    practice = setup["practice"]
    visit = _visit(setup, _client(practice))
    feedback_record(visit=visit, answers={"pressure": "just_right", "focus": "yes", "conversation": "just_right"})
    with _at(practice, EMAIL_DUE):
        send_outbox()
    [email] = mailoutbox
    assert "/feedback/" not in email.body and "How was the pressure?" not in email.body
    assert OutboxMessage.objects.get(idempotency_key=f"followup:{visit.pk}").status == "sent"


def test_the_figures_per_therapist_and_month(practice, therapist, owner, other_practice):
    """A hand-built set: two therapists, two months (a January evening in New York is February in
    UTC), a visit without feedback, one outside the period, one in another practice."""
    zone = practice.zone
    with scope(practice=practice):
        weekly_hours(practice, therapist, days=range(7))
        second = MembershipFactory(
            practice=practice, role="therapist", user__first_name="Zoe", user__last_name="Ng"
        ).user
        weekly_hours(practice, second, days=range(7))
        service = ServiceFactory(practice=practice)
        patient = ClientFactory(practice=practice)
        visits = {}

        def visit(key, who, day, answers, answered):
            booked = appointment_book(
                practice=practice,
                client=patient,
                therapist=who,
                service=service,
                starts_at=datetime(2031, 1, day, 10, 0, tzinfo=zone),
                notify=False,
            )
            visits[key] = appointment_complete(appointment=booked)
            if answers:
                feedback_record(visit=visits[key], answers=answers, now=answered)

        visit(
            "a",
            therapist,
            6,
            {"pressure": "too_light", "focus": "yes", "rating": 4},
            datetime(2031, 1, 7, 9, tzinfo=zone),
        )
        visit(
            "b",
            therapist,
            8,
            {"pressure": "too_light", "conversation": "more"},
            datetime(2031, 1, 31, 23, 30, tzinfo=zone),
        )
        visit("c", therapist, 10, {"focus": "no", "rating": 1}, datetime(2031, 2, 2, 9, tzinfo=zone))
        visit("d", second, 13, {"pressure": "just_right", "rating": 5}, datetime(2031, 1, 14, 9, tzinfo=zone))
        visit("e", second, 15, {}, None)  # no feedback: counts nowhere
        visit("f", second, 20, {"rating": 2}, datetime(2031, 3, 1, 0, 30, tzinfo=zone))  # after the period
    with scope(practice=other_practice):  # another practice's feedback is not ours
        elsewhere = MembershipFactory(practice=other_practice, role="therapist").user
        weekly_hours(other_practice, elsewhere, days=range(7))
        booked = appointment_book(
            practice=other_practice,
            client=ClientFactory(practice=other_practice),
            therapist=elsewhere,
            service=ServiceFactory(practice=other_practice),
            starts_at=datetime(2031, 1, 9, 10, 0, tzinfo=other_practice.zone),
            notify=False,
        )
        feedback_record(
            visit=appointment_complete(appointment=booked),
            answers={"rating": 1},
            now=datetime(2031, 1, 9, 18, tzinfo=UTC),
        )
    with scope(practice=practice):
        figures = feedback_by_therapist(practice, date(2031, 1, 1), date(2031, 2, 28))

    def row(month, who, given, pressure=(0, 0, 0), focus=(0, 0, 0), conversation=(0, 0, 0), ratings=0, mean=None):
        return {
            "month": month,
            "therapist_id": who.pk,
            "therapist": f"{who.first_name} {who.last_name}",
            "given": given,
            "answers": {
                "pressure": dict(zip(("too_light", "just_right", "too_deep"), pressure, strict=True)),
                "focus": dict(zip(("yes", "partly", "no"), focus, strict=True)),
                "conversation": dict(zip(("too_much", "just_right", "more"), conversation, strict=True)),
            },
            "answered": {"pressure": sum(pressure), "focus": sum(focus), "conversation": sum(conversation)},
            "ratings": ratings,
            "rating_mean": mean,
        }

    expected_january = [
        row(
            date(2031, 1, 1),
            therapist,
            2,
            pressure=(2, 0, 0),
            focus=(1, 0, 0),
            conversation=(0, 0, 1),
            ratings=1,
            mean=4.0,
        ),
        row(date(2031, 1, 1), second, 1, pressure=(0, 1, 0), ratings=1, mean=5.0),
    ]
    expected_january.sort(key=lambda r: r["therapist"])
    assert figures == [
        row(date(2031, 2, 1), therapist, 1, focus=(0, 0, 1), ratings=1, mean=1.0),
        *expected_january,
    ]
