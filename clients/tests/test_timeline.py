"""The client's timeline: every source the layers above register (visits, notes, plans, intake,
messages, calls, releases, reports, referrals), what each role sees, paging, the filter, another
practice's data, and the page's query count for a long history."""

import re
from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scope

from clients.models import Client
from clients.tests.factories import ClientFactory
from clients.tests.timeline_data import at, client_with_everything
from clients.timeline import TIMELINE_SOURCES, client_timeline
from outbox.models import Channel, OutboxMessage
from outbox.tests.factories import OutboxMessageFactory
from outreach.models import CallTask
from practice.models import AuditEvent, Membership
from sessions.models import Appointment, CheckoutOutcome
from sessions.tests.factories import ServiceFactory, visit_row


def _url(client: Client) -> str:
    return f"/p/{client.practice.slug}/clients/{client.pk}/"


@pytest.fixture
def history(practice, therapist):
    return client_with_everything(practice, therapist)


def _timeline_reads(practice) -> list[AuditEvent]:
    with scope(practice=practice):
        return list(
            AuditEvent.objects.filter(practice=practice, record_label__contains="timeline").select_related("actor")
        )


def _timeline(practice, user, client, **options):
    membership = Membership.objects.get(practice=practice, user=user)
    with scope(practice=practice):
        return client_timeline(practice=practice, client=client, membership=membership, now=timezone.now(), **options)


def test_it_gathers_every_kind_for_the_owner_coming_first_then_the_past_newest_first(practice, owner, history):
    timeline = _timeline(practice, owner, history["client"])
    kinds = {entry.kind for entry in timeline.upcoming + timeline.past}
    assert kinds == {source.kind for source in TIMELINE_SOURCES}
    assert [entry.kind for entry in timeline.upcoming] == ["messages", "visits"]  # due in 6 days, then 7
    assert [entry.when for entry in timeline.past] == sorted((entry.when for entry in timeline.past), reverse=True)
    visit = next(entry for entry in timeline.past if entry.kind == "visits")
    assert visit.status == "Completed" and "not rebooked: Cost (after payday)" in visit.detail
    assert [action.label for action in visit.actions] == ["Book again"]
    # Visits older than a week ask for nothing more (no checkout, no booking): they are history.
    older = [entry for entry in timeline.past if entry.kind == "visits"][1:]
    assert older and all(entry.actions == () for entry in older)
    coming = timeline.upcoming[1]
    assert [action.label for action in coming.actions] == ["Move", "Cancel…"]
    assert coming.actions[0].url.endswith(f"/appointments/{history['coming'].pk}/move/")
    plan = next(entry for entry in timeline.past if entry.kind == "plans")
    assert plan.status.startswith("6 of 8 done") and plan.all_day


def test_each_role_sees_only_the_kinds_its_permissions_allow(practice, therapist, front_desk, history):
    desk = {entry.kind for entry in _timeline(practice, front_desk, history["client"]).past}
    assert desk == {
        "visits",
        "waitlist",
        "messages",
        "calls",
        "referrals",
    }  # no notes, plans, intake, feedback, releases, reports
    clinical = {entry.kind for entry in _timeline(practice, therapist, history["client"]).past}
    clinical_kinds = {
        *("visits", "waitlist", "notes", "plans", "intake", "feedback"),
        *("calls", "releases", "reports", "referrals"),
    }
    assert clinical == clinical_kinds


def test_the_front_desk_page_shows_visits_and_messages_but_no_notes_nor_their_filter(
    client_for, practice, front_desk, history
):
    page = client_for(front_desk).get(_url(history["client"])).content.decode()
    assert "How are you feeling today?" in page and "not rebooked: Cost" in page
    assert "tolerated firm pressure" not in page and "left hip" not in page
    assert "?kind=notes" not in page and "?kind=visits" in page and "?kind=messages" in page
    # Asking for notes by hand shows what the desk may see, still without a note.
    asked = client_for(front_desk).get(_url(history["client"]), {"kind": "notes"}).content.decode()
    assert "not rebooked: Cost" in asked and "tolerated firm pressure" not in asked
    assert _timeline_reads(practice) == []


def test_a_therapist_reads_notes_and_addenda_and_the_read_is_audited(client_for, practice, therapist, history):
    page = client_for(therapist).get(_url(history["client"]), {"kind": "notes"}).content.decode()
    assert "Jules tolerated firm pressure well." in page and "Forgot: left hip too." in page
    assert "How are you feeling today?" not in page  # the filter: notes only
    assert "?kind=messages" not in page  # therapists do not read the outbox
    [event] = _timeline_reads(practice)
    assert event.actor == therapist and event.record_label.endswith("timeline (notes)")


def test_the_filter_shows_one_kind(client_for, practice, owner, history):
    page = client_for(owner).get(_url(history["client"]), {"kind": "visits"}).content.decode()
    assert 'aria-current="page">Visits<' in page
    kinds = set(re.findall(r'timeline-entry kind-(\w+)"', page))
    assert kinds == {"visits"}


def test_another_practices_records_never_appear(client_for, practice, other_practice, owner, outsider, history):
    client = history["client"]
    with scope(practice=other_practice):
        # Another practice's message and call carrying the same client id (a UUID can be copied).
        OutboxMessageFactory(practice=other_practice, client_ref=client.pk, subject="Elsewhere's newsletter")
        CallTask.objects.create(
            practice=other_practice, client_ref=client.pk, reason="recall", client_name="X", due_on=date.today()
        )
        stranger = ClientFactory(practice=other_practice)
        service = ServiceFactory(practice=other_practice)
        Appointment.objects.bulk_create(
            [
                visit_row(
                    practice=other_practice,
                    client=stranger,
                    therapist=outsider,
                    service=service,
                    starts_at=at(other_practice, -1),
                )
            ]
        )
    page = client_for(owner).get(_url(client)).content.decode()
    assert "Elsewhere" not in page and "Recall call" not in page
    assert client_for(outsider).get(_url(client)).status_code == 404


@pytest.fixture
def long_history(practice, owner, therapist):
    """50 visits (weekly, the last yesterday; each with a checkout) and 30 sent emails."""
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
        service = ServiceFactory(practice=practice)
        visits = Appointment.objects.bulk_create(
            [
                visit_row(
                    practice=practice,
                    client=client,
                    therapist=therapist,
                    service=service,
                    starts_at=at(practice, -1 - 7 * n),
                    recommended_interval_days=14,
                )
                for n in range(50)
            ]
        )
        CheckoutOutcome.objects.bulk_create(
            [CheckoutOutcome(practice=practice, visit=visit, booked=n % 2 == 0) for n, visit in enumerate(visits)]
        )
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    practice=practice,
                    client_ref=client.pk,
                    channel=Channel.EMAIL,
                    address=client.email,
                    kind="followup",
                    purpose="care",
                    template="followup",
                    idempotency_key=f"followup:{n}",
                    subject=f"Follow-up {n}",
                    status=OutboxMessage.Status.SENT,
                    sent_at=at(practice, -1 - 7 * n, 15),
                )
                for n in range(30)
            ]
        )
    return client


def test_a_long_history_is_read_in_a_bounded_number_of_queries_and_paged_to_its_end(
    client_for, owner, long_history, django_assert_max_num_queries
):
    browser = client_for(owner)
    browser.get(_url(long_history))  # the session and the practice's lists, made once
    with django_assert_max_num_queries(24):  # two queries per kind at most (the owner reads all eleven)
        page = browser.get(_url(long_history)).content.decode()
    assert page.count("timeline-entry kind-") == 30 and "Show older" in page
    seen = re.findall(r"<time datetime=\"([^\"]+)\"", page)
    while "Show older" in page:
        older = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
        with django_assert_max_num_queries(19):
            page = browser.get(older, headers={"HX-Request": "true"}).content.decode()
        seen += re.findall(r"<time datetime=\"([^\"]+)\"", page)
    assert len(seen) == len(set(seen)) == 50 + 30  # every visit and message once, nothing twice


def test_a_bad_cursor_shows_the_first_page(client_for, owner, long_history):
    for bad in ("yesterday", "2026-13-45T10:00:00+00:00", "2026-01-01T10:00:00"):
        response = client_for(owner).get(_url(long_history), {"before": bad, "kind": "nonsense"})
        assert response.status_code == 200 and b"Coming up" in response.content


def test_a_cursor_at_the_edge_of_the_calendar_shows_the_first_page_not_an_error(client_for, owner, long_history):
    # Year 1 in UTC is before year 1 in New York: read as a date there, it would overflow.
    response = client_for(owner).get(_url(long_history), {"before": "0001-01-01T00:00:00+00:00"})
    assert response.status_code == 200 and b"Coming up" in response.content


def test_entries_of_the_same_moment_are_never_split_between_pages(client_for, practice, owner, therapist):
    """The 30th and 31st visits are at the same time (one cancelled, the other booked in its place
    with someone else): both show on the first page, and the next page holds the rest."""
    with scope(practice=practice):
        client = ClientFactory(practice=practice)
        service = ServiceFactory(practice=practice)
        times = [at(practice, -1 - n) for n in range(30)] + [at(practice, -30), at(practice, -31)]
        Appointment.objects.bulk_create(
            visit_row(
                practice=practice,
                client=client,
                therapist=therapist if n != 30 else owner,
                service=service,
                starts_at=when,
                status="cancelled" if n == 29 else "completed",
            )
            for n, when in enumerate(times)
        )
    first = _timeline(practice, owner, client)
    assert len(first.past) == 31 and first.past[-1].when == first.past[-2].when == at(practice, -30)
    second = _timeline(practice, owner, client, before=first.older_than)
    assert [entry.when for entry in second.past] == [at(practice, -31)] and second.older_than is None
