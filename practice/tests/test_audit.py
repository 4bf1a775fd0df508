"""The audit mechanism later features call, and the owner's view of it."""

from datetime import timedelta

from django.test import RequestFactory
from django.utils import timezone
from django_scopes import scope

from clients.models import Client
from practice.audit import Action, audit_request
from practice.models import AuditEvent, Membership


def _request_as(user, practice, ip="203.0.113.9"):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    request.practice = practice
    request.membership = Membership.objects.get(user=user, practice=practice)
    return request


def test_audit_request_records_who_what_which_when_and_where(therapist, practice):
    with scope(practice=practice):
        record = Client.objects.create(practice=practice, first_name="Casey", last_name="Dunmore")
        event = audit_request(_request_as(therapist, practice), action=Action.VIEW, record=record, detail="intake v2")
        stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.practice == practice and stored.actor == therapist
    assert stored.action == "view" and stored.record_type == "clients.client" and stored.record_id == str(record.pk)
    assert stored.record_label == "Casey Dunmore" and stored.detail == "intake v2"
    assert stored.ip_address == "203.0.113.9"
    assert abs((stored.at - event.at).total_seconds()) < 1


def test_the_owner_browses_and_filters_the_trail(client_for, owner, therapist, front_desk, practice):
    with scope(practice=practice):
        record = Client.objects.create(practice=practice, first_name="Ellis", last_name="Fairbanks")
        audit_request(_request_as(therapist, practice), action=Action.VIEW, record=record)
        audit_request(_request_as(front_desk, practice), action=Action.CHANGE, record=record)
        old = audit_request(_request_as(therapist, practice), action=Action.VIEW, record=record)
        AuditEvent.objects.filter(pk=old.pk).update(at=old.at - timedelta(days=10))
    as_owner = client_for(owner)
    url = f"/p/{practice.slug}/audit/"

    assert as_owner.get(url, {"record_type": "clients.client"}).context["page"].paginator.count == 3
    by_therapist = as_owner.get(url, {"actor": therapist.pk, "record_type": "clients.client"})
    assert by_therapist.context["page"].paginator.count == 2
    signed_in = as_owner.get(url, {"action": "sign_in"}).context["page"]  # the owner's own sign-in
    assert [(e.actor, e.record_type) for e in signed_in] == [(owner, "practice.user")]
    changes = as_owner.get(url, {"action": "change"})
    assert [e.actor for e in changes.context["page"]] == [front_desk]
    today = timezone.localdate(timezone=practice.zone).isoformat()  # the filter speaks the practice's days
    recent = as_owner.get(url, {"date_from": today, "record_type": "clients.client"})
    assert recent.context["page"].paginator.count == 2


def test_a_bad_filter_is_explained_not_ignored_silently(client_for, owner, practice):
    response = client_for(owner).get(f"/p/{practice.slug}/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert "before the start date" in response.context["form"].errors["date_to"][0]


def test_a_therapist_is_refused_with_the_styled_403(client_for, therapist, practice):
    response = client_for(therapist).get(f"/p/{practice.slug}/audit/")
    assert response.status_code == 403 and b"not part of your role" in response.content


def test_the_trail_pages_and_keeps_its_filters_in_the_page_links(client_for, owner, therapist, practice):
    with scope(practice=practice):
        record = Client.objects.create(practice=practice, first_name="Gale", last_name="Hollis")
        request = _request_as(therapist, practice)
        for _ in range(55):
            audit_request(request, action=Action.VIEW, record=record)
    as_owner = client_for(owner)
    first = as_owner.get(f"/p/{practice.slug}/audit/", {"action": "view"})
    assert len(first.context["page"]) == 50 and b"action=view&amp;page=2" in first.content
    second = as_owner.get(f"/p/{practice.slug}/audit/", {"action": "view", "page": 2})
    assert len(second.context["page"]) == 5
    assert as_owner.get(f"/p/{practice.slug}/audit/", {"page": "nonsense"}).status_code == 200
