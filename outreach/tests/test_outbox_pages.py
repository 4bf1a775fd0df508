"""The practice's outbox for staff: filter, see why, retry or cancel."""

from django_scopes import scope, scopes_disabled

from outbox.models import OutboxMessage
from outbox.tests.factories import OutboxMessageFactory

Status = OutboxMessage.Status


def _messages(practice):
    with scope(practice=practice):
        return {
            "sent": OutboxMessageFactory(practice=practice, status=Status.SENT, kind="staff_invitation"),
            "skipped": OutboxMessageFactory(
                practice=practice, status=Status.SKIPPED, skip_reason="No consent on record for care follow-ups."
            ),
            "failed": OutboxMessageFactory(
                practice=practice, status=Status.FAILED, attempts=5, last_error="SMTPServerDisconnected('gone')"
            ),
            "scheduled": OutboxMessageFactory(practice=practice),
        }


def test_the_front_desk_filters_the_outbox(client_for, front_desk, practice, other_practice):
    mine = _messages(practice)
    _messages(other_practice)
    as_desk = client_for(front_desk)
    everything = as_desk.get(f"/p/{practice.slug}/outbox/")
    assert everything.status_code == 200 and everything.context["page"].paginator.count == 4
    failed = as_desk.get(f"/p/{practice.slug}/outbox/", {"status": "failed"})
    assert [m.pk for m in failed.context["page"]] == [mine["failed"].pk]
    invitations = as_desk.get(f"/p/{practice.slug}/outbox/", {"kind": "staff_invitation"})
    assert [m.pk for m in invitations.context["page"]] == [mine["sent"].pk]
    assert as_desk.get(f"/p/{practice.slug}/outbox/", {"status": "bogus"}).status_code == 200


def test_the_detail_says_why_a_message_was_not_sent(client_for, owner, practice):
    mine = _messages(practice)
    as_owner = client_for(owner)
    skipped = as_owner.get(f"/p/{practice.slug}/outbox/{mine['skipped'].pk}/")
    assert b"No consent on record for care follow-ups." in skipped.content
    failed = as_owner.get(f"/p/{practice.slug}/outbox/{mine['failed'].pk}/")
    assert b"SMTPServerDisconnected" in failed.content and b"Retry now" in failed.content


def test_cancel_stops_a_scheduled_message_and_a_sent_one_cannot_be_cancelled(client_for, front_desk, practice):
    mine = _messages(practice)
    as_desk = client_for(front_desk)
    as_desk.post(f"/p/{practice.slug}/outbox/{mine['scheduled'].pk}/cancel/")
    refused = as_desk.post(f"/p/{practice.slug}/outbox/{mine['sent'].pk}/cancel/", follow=True)
    assert b"cannot be cancelled" in refused.content
    with scopes_disabled():
        assert OutboxMessage.objects.get(pk=mine["scheduled"].pk).status == Status.CANCELLED
        assert OutboxMessage.objects.get(pk=mine["sent"].pk).status == Status.SENT


def test_another_practices_message_is_not_found(client_for, owner, practice, other_practice):
    theirs = _messages(other_practice)["failed"]
    as_owner = client_for(owner)
    assert as_owner.get(f"/p/{practice.slug}/outbox/{theirs.pk}/").status_code == 404
    assert as_owner.post(f"/p/{practice.slug}/outbox/{theirs.pk}/retry/").status_code == 404
