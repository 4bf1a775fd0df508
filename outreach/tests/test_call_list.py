"""The call list: whose calls are whose (the front desk makes the calls no one is assigned, recalls
among them), and the list keeps the view a person chose after they record an outcome."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from outreach.models import CallTask
from outreach.recalls import queue_digests, queue_recalls
from sessions.models import Appointment
from sessions.tests.factories import ServiceFactory


def _overdue_visit(practice, therapist, client):
    starts = timezone.now() - timedelta(days=40)
    return Appointment.objects.create(
        practice=practice,
        client=client,
        therapist=therapist,
        service=ServiceFactory(practice=practice),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        blocked_until=starts + timedelta(hours=1),
        status="completed",
        recommended_interval_days=14,
    )


def _follow_up_call(practice, therapist, name):
    return CallTask.objects.create(
        practice=practice,
        client_ref=ClientFactory(practice=practice).pk,
        assigned_to=therapist,
        reason="follow-up",
        client_name=name,
        phone="+1 603 555 0133",
        due_on=timezone.localdate(timezone=practice.zone),
    )


def _names(page) -> list[str]:
    return [task.client_name for task in page.context["tasks"]]


def test_recall_calls_go_to_the_front_desk_and_follow_ups_to_the_therapist(
    practice, owner, therapist, front_desk, send_outbox, client_for, mailoutbox
):
    with scope(practice=practice):
        recalled = ClientFactory(practice=practice, first_name="Rowan", last_name="Pike", phone="+16035550140")
        intake_record(client=recalled, source="client_link", answers=intake_answers(marketing_email=True))
        _overdue_visit(practice, therapist, recalled)
        queue_recalls(practice)
        _follow_up_call(practice, therapist, "Blair Hollis")
    send_outbox()
    with scope(practice=practice):
        recall = CallTask.objects.get(practice=practice, reason="recall")
    assert recall.assigned_to is None and recall.client_name == "Rowan Pike"
    calls = f"/p/{practice.slug}/calls/"
    assert _names(client_for(front_desk).get(calls)) == ["Rowan Pike"]
    assert _names(client_for(therapist).get(calls)) == ["Blair Hollis"]
    assert _names(client_for(owner).get(calls)) == []  # the desk makes the desk's calls
    everyone = client_for(owner).get(calls + "?who=everyone")
    assert sorted(_names(everyone)) == ["Blair Hollis", "Rowan Pike"]
    shown = everyone.content.decode()
    assert "for the front desk" in shown and f"for {therapist.first_name}" in shown
    mailoutbox.clear()
    with scope(practice=practice):
        queue_digests(practice, now=timezone.localtime(timezone.now(), practice.zone).replace(hour=8))
    send_outbox()
    digests = {m.to[0]: m.body for m in mailoutbox}
    assert set(digests) == {front_desk.email, therapist.email}  # the owner has no calls of their own
    assert "Rowan Pike" in digests[front_desk.email] and "Blair Hollis" not in digests[front_desk.email]


def test_without_a_front_desk_the_owner_makes_the_unassigned_calls(practice, owner, therapist, client_for):
    with scope(practice=practice):
        _follow_up_call(practice, None, "Unassigned Client")
        _follow_up_call(practice, therapist, "Therapists Client")
    calls = f"/p/{practice.slug}/calls/"
    assert _names(client_for(owner).get(calls)) == ["Unassigned Client"]
    assert _names(client_for(therapist).get(calls)) == ["Therapists Client"]


def test_recording_an_outcome_keeps_the_list_the_person_was_looking_at(practice, therapist, front_desk, client_for):
    with scope(practice=practice):
        first = _follow_up_call(practice, therapist, "Blair Hollis")
        second = _follow_up_call(practice, therapist, "Casey Moor")
    as_desk = client_for(front_desk)
    everyone = as_desk.get(f"/p/{practice.slug}/calls/?who=everyone").content.decode()
    assert '<input type="hidden" name="who" value="everyone">' in everyone
    kept = as_desk.post(
        f"/p/{practice.slug}/calls/{first.pk}/outcome/", {"outcome": "reached", "who": "everyone"}, follow=True
    )
    assert kept.redirect_chain == [(f"/p/{practice.slug}/calls/?who=everyone", 302)]
    assert "Everyone's calls for today" in kept.content.decode() and _names(kept) == ["Casey Moor"]
    mine = as_desk.post(f"/p/{practice.slug}/calls/{second.pk}/outcome/", {"outcome": "no_answer"})
    assert mine.url == f"/p/{practice.slug}/calls/"
