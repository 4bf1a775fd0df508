"""Referral partners: the pipeline and its history, the practice's own checklist, contacts and
their cadence, attribution with revenue, and the partner list's query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.tests.factories import ClientFactory
from referrals import services
from referrals.models import Partner, Referral, StageChange, VettingAnswer, VettingQuestion
from referrals.selectors import contacts_due, partners_with_figures
from sessions.models import Appointment
from sessions.tests.factories import ServiceFactory


def _partner(practice, **fields):
    return Partner.objects.create(
        practice=practice, **{"organisation": "Harbour Chiropractic", "kind": "chiropractor", **fields}
    )


def test_moves_keep_their_history_and_decisions_name_who_decided(client_for, owner, practice):
    with scope(practice=practice):
        partner = _partner(practice)
    as_owner = client_for(owner)
    for stage in ("researching", "contacted", "meeting", "active"):
        as_owner.post(f"/p/{practice.slug}/partners/{partner.pk}/move/", {"stage": stage})
    with scopes_disabled():
        partner.refresh_from_db()
        history = [(c.from_stage, c.to_stage) for c in StageChange.objects.filter(partner=partner)]
    assert history == [
        ("prospect", "researching"),
        ("researching", "contacted"),
        ("contacted", "meeting"),
        ("meeting", "active"),
    ]
    assert partner.decided_by == owner and partner.decided_at is not None
    bad = as_owner.post(f"/p/{practice.slug}/partners/{partner.pk}/move/", {"stage": "married"}, follow=True)
    assert b"Unknown stage" in bad.content


def test_a_move_is_announced_in_a_sentence_with_the_stages_label(client_for, owner, practice):
    with scope(practice=practice):
        partner = _partner(practice, organisation="Dr Ada Quill", stage="researching")
    as_owner = client_for(owner)
    url = f"/p/{practice.slug}/partners/{partner.pk}/move/"
    moved = as_owner.post(url, {"stage": "active"}, follow=True)
    said = [str(m) for m in moved.context["messages"]]
    assert said == ["Dr Ada Quill is now in the “Active partner” stage."]
    again = as_owner.post(url, {"stage": "active"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Dr Ada Quill was already in the “Active partner” stage."]
    assert "is now:" not in moved.content.decode()


def test_the_checklist_is_the_practices_own(client_for, owner, practice, other_practice):
    with scope(practice=other_practice):
        VettingQuestion.objects.create(practice=other_practice, text="Secret question of another practice")
        foreign = VettingQuestion.objects.get(practice=other_practice)
    with scope(practice=practice):
        partner = _partner(practice)
    as_owner = client_for(owner)
    page = as_owner.get(f"/p/{practice.slug}/partners/{partner.pk}/")
    assert b"Would you send your own family to them?" in page.content
    assert b"Secret question" not in page.content
    [(first, _), *_] = page.context["questions"]
    as_owner.post(
        f"/p/{practice.slug}/partners/{partner.pk}/checklist/",
        {f"q-{first.pk}": "yes", f"note-{first.pk}": "Clear, helpful", f"q-{foreign.pk}": "yes"},
    )
    with scopes_disabled():
        answers = list(VettingAnswer.objects.filter(partner=partner))
    assert [(a.question_id, a.answer, a.note) for a in answers] == [(first.pk, "yes", "Clear, helpful")]
    with scope(practice=practice), pytest.raises(ValidationError, match="another practice"):
        services.checklist_answer(partner=partner, question=foreign, answer="yes")


def test_logging_a_contact_suggests_the_next_one_and_the_due_list_shows_it(client_for, owner, practice):
    today = timezone.localdate(timezone=practice.zone)
    with scope(practice=practice):
        partner = _partner(practice, stage="contacted")
        # Paused, and due today: a paused partner is not on the due list.
        _partner(practice, organisation="Paused Physio", kind="physio", stage="paused", next_contact_on=today)
    client_for(owner).post(
        f"/p/{practice.slug}/partners/{partner.pk}/contact/",
        {
            "kind": "letter",
            "on": (today - timedelta(days=85)).isoformat(),
            "summary": "Introduction letter",
            "materials": "Case study on low-back pain",
        },
    )
    with scope(practice=practice):
        partner.refresh_from_db()
        assert partner.next_contact_on == today + timedelta(days=5)  # letters a few months apart
        assert list(contacts_due(practice=practice)) == [partner]
    future = client_for(owner).post(
        f"/p/{practice.slug}/partners/{partner.pk}/contact/",
        {"kind": "call", "on": (today + timedelta(days=5)).isoformat(), "summary": "x"},
        follow=True,
    )
    assert b"Log contacts that happened" in future.content


def test_attribution_counts_clients_visits_and_revenue(practice, therapist):
    with scope(practice=practice):
        chiro = _partner(practice)
        gym = _partner(practice, organisation="Tidewater Gym", kind="gym")
        massage = ServiceFactory(practice=practice, price=Decimal("90.00"))
        hot_stone = ServiceFactory(practice=practice, price=Decimal("140.00"))
        first, second, walk_in = ClientFactory.create_batch(3, practice=practice)
        services.referral_record(client=first, stream="web", partner=chiro)
        services.referral_record(client=second, stream="web", partner=chiro)
        services.referral_record(client=walk_in, stream="web")
        start = timezone.now() - timedelta(days=30)
        for n, (client, service, status) in enumerate(
            [
                (first, massage, "completed"),
                (first, hot_stone, "completed"),
                (second, massage, "completed"),
                (second, massage, "no_show"),
                (walk_in, massage, "completed"),
            ]
        ):
            starts = start + timedelta(days=n)
            Appointment.objects.create(
                practice=practice,
                client=client,
                therapist=therapist,
                service=service,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                blocked_until=starts + timedelta(hours=1),
                status=status,
            )
        figures = {p.organisation: p for p in partners_with_figures(practice=practice)}
        assert Referral.objects.get(client=first).stream == "medical"  # a partner implies its stream
    chiro_row = figures["Harbour Chiropractic"]
    assert (chiro_row.clients_referred, chiro_row.visits, chiro_row.revenue) == (2, 3, Decimal("320.00"))
    assert (figures[gym.organisation].clients_referred, figures[gym.organisation].revenue) == (0, 0)


def test_the_partner_list_costs_the_same_queries_with_500_partners(client_for, owner, practice):
    as_owner = client_for(owner)
    url = f"/p/{practice.slug}/partners/list/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_owner.get(url).status_code == 200
        return len(captured)

    with scope(practice=practice):
        Partner.objects.bulk_create(
            Partner(practice=practice, organisation=f"Clinic {n:03d}", kind="physio") for n in range(5)
        )
    few = queries()
    with scope(practice=practice):
        Partner.objects.bulk_create(
            Partner(practice=practice, organisation=f"Clinic {n:03d}", kind="physio") for n in range(5, 500)
        )
    assert queries() == few


def test_recording_a_clients_source_from_their_page(client_for, front_desk, practice):
    with scope(practice=practice):
        partner = _partner(practice)
        referrer = ClientFactory(practice=practice, email="referrer@clients.example")
        newcomer = ClientFactory(
            practice=practice, heard_via="health_professional", heard_via_detail="Dr Lane at Harbour Chiropractic"
        )
    as_desk = client_for(front_desk)
    page = as_desk.get(f"/p/{practice.slug}/clients/{newcomer.pk}/referral/")
    assert page.context["suggestions"] == [partner]
    unknown = as_desk.post(
        f"/p/{practice.slug}/clients/{newcomer.pk}/referral/",
        {"stream": "client", "referring_client_email": "nobody@clients.example"},
    )
    assert b"No client of this practice has that email" in unknown.content
    as_desk.post(
        f"/p/{practice.slug}/clients/{newcomer.pk}/referral/",
        {"stream": "client", "referring_client_email": "REFERRER@clients.example"},
    )
    with scopes_disabled():
        referral = Referral.objects.get(client=newcomer)
    assert referral.referring_client == referrer and referral.stream == "client"


def test_the_owner_edits_the_checklist(client_for, owner, practice):
    url = f"/p/{practice.slug}/partners/checklist/"
    as_owner = client_for(owner)
    assert as_owner.post(url, {"text": ""}).status_code == 400
    as_owner.post(url, {"text": "Do they answer the phone?"})
    with scopes_disabled():
        added = VettingQuestion.objects.get(practice=practice, text="Do they answer the phone?")
        family = VettingQuestion.objects.get(practice=practice, text__startswith="Would you send")
    as_owner.post(url, {"toggle": family.pk})
    with scope(practice=practice):
        partner = _partner(practice)
    texts = [q.text for q, _ in as_owner.get(f"/p/{practice.slug}/partners/{partner.pk}/").context["questions"]]
    assert added.text in texts and family.text not in texts
