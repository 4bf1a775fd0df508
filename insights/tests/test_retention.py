"""The retention page: first visit to second visit per month, therapist and source; cohorts still
coming 1, 3, 6 and 12 months after their first visit; reasons not rebooked at checkout. Figures
from a hand-built history with the clock fixed (`now` is handed to the selectors), in two practices
whose days and months are their own."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from clients.tests.factories import ClientFactory
from insights.selectors import Share, cohort_figures, retention_figures
from outreach.models import VisitFeedback
from practice.models import Membership
from practice.tests.factories import MembershipFactory
from referrals.services import referral_record
from sessions.models import Appointment, CheckoutOutcome, SessionNote
from sessions.tests.factories import ServiceFactory, visit_row

NOW = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)


class History:
    """Visits at local times of one practice, with their checkout outcomes."""

    def __init__(self, practice):
        self.practice = practice
        self.service = ServiceFactory(practice=practice, duration_minutes=60, buffer_after_minutes=0)

    def client(self, name, heard_via="", stream=None):
        client = ClientFactory(practice=self.practice, first_name=name, heard_via=heard_via)
        if stream:
            referral_record(client=client, stream=stream)
        return client

    def visit(self, client, therapist, local: str, status="completed", booked=None, reason=""):
        starts = datetime.fromisoformat(local).replace(tzinfo=self.practice.zone)
        visit = visit_row(
            practice=self.practice,
            client=client,
            therapist=therapist,
            service=self.service,
            starts_at=starts,
            status=status,
            cancel_reason="client" if status == "cancelled" else "",
        )
        visit.save()
        if booked is not None:
            CheckoutOutcome.objects.create(practice=self.practice, visit=visit, booked=booked, reason=reason)
        return visit


@pytest.fixture
def therapists(practice, therapist):
    second = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    for user, (first, last) in zip((therapist, second), (("Theo", "Brand"), ("Ines", "Call")), strict=True):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return therapist, second


@pytest.fixture
def history(practice, therapists):
    """Harbour Test Massage, New York. Conversion counts first visits from 1 March 2025 (12 months
    before 15 March 2026 and the current month); cohorts from 1 March 2024."""
    theo, ines = therapists
    with scope(practice=practice):
        h = History(practice)
        ann = h.client("Ann", heard_via="web", stream="medical")  # a recorded referral wins
        h.visit(ann, theo, "2025-06-10 10:00", booked=True)  # first visit
        h.visit(ann, theo, "2025-07-20 10:00")  # back within 90 days; in month 1 after
        h.visit(ann, theo, "2025-09-15 10:00")  # month 3 after
        h.visit(ann, theo, "2025-12-20 10:00")  # month 6 after
        ben = h.client("Ben", heard_via="client")
        h.visit(ben, ines, "2025-06-01 10:00", status="cancelled")  # neither counts as a first visit
        h.visit(ben, ines, "2025-06-05 10:00", status="no_show")
        h.visit(ben, ines, "2025-06-20 10:00", booked=False, reason="cost")  # first visit; never back
        h.visit(ben, ines, "2025-07-10 10:00", status="cancelled")
        cara = h.client("Cara")  # no answer: web and other
        h.visit(cara, theo, "2025-06-25 10:00", booked=False, reason="will_call")
        h.visit(cara, theo, "2025-07-01 10:00", status="booked")  # never marked: did not take place
        h.visit(cara, theo, "2025-07-05 10:00", status="no_show")
        h.visit(cara, theo, "2025-10-01 10:00", booked=False, reason="cost")  # 98 days on: too late; month 3
        dan = h.client("Dan", heard_via="web", stream="personal")
        h.visit(dan, ines, "2025-06-28 10:00", status="arrived")  # came, never checked out: took place
        h.visit(dan, ines, "2025-07-02 10:00", booked=False)  # back; no reason recorded
        eve = h.client("Eve", heard_via="business")
        # 23:30 on 31 January in New York is 1 February in UTC: a January first visit, 43 days ago.
        h.visit(eve, theo, "2026-01-31 23:30")
        h.visit(eve, theo, "2026-02-20 10:00")
        finn = h.client("Finn", heard_via="health_professional")
        h.visit(finn, ines, "2026-03-01 10:00")  # 14 days ago: too recent to tell
        h.visit(finn, ines, "2026-03-20 10:00", status="booked")  # to come
        gus = h.client("Gus", heard_via="client")  # a client since 2023: not new
        h.visit(gus, theo, "2023-01-10 10:00")
        h.visit(gus, theo, "2025-08-01 10:00", booked=False, reason="not_needed")
        hana = h.client("Hana")  # only cancelled: never had a first visit
        h.visit(hana, ines, "2025-11-03 10:00", status="cancelled")
        ivy = h.client("Ivy", heard_via="web")  # a first visit before the conversion period
        h.visit(ivy, theo, "2024-05-10 10:00", booked=False, reason="cost")  # checkout before it too
        h.visit(ivy, theo, "2024-06-01 10:00")
        h.visit(ivy, theo, "2025-05-20 10:00")  # month 12 after
    return h


def _conversion(group):
    return (group.label, group.new, group.settled, group.back, group.recent, group.recent_back)


def test_conversion_counts_first_visits_that_took_place_and_second_visits_within_90_days(practice, history):
    with scope(practice=practice):
        figures = retention_figures(practice=practice, now=NOW)
    assert figures["since"] == datetime(2025, 3, 1, tzinfo=practice.zone)
    # Ann and Dan came back within 90 days; Ben never, Cara after 98 days; Eve and Finn are too
    # recent (Eve already back); Gus, Hana and Ivy are not new in the period.
    assert _conversion(figures["total"]) == ("All new clients", 6, 4, 2, 2, 1)
    assert figures["total"].share == Share(2, 4) and figures["total"].share.percent is None  # 2 of 4, no %
    assert [_conversion(group) for group in figures["by_therapist"]] == [
        ("Ines Call", 3, 2, 1, 1, 0),
        ("Theo Brand", 3, 2, 1, 1, 1),
    ]
    months = {group.label: _conversion(group)[1:] for group in figures["by_month"]}
    assert list(months)[0] == "Mar 2026" and list(months)[-1] == "Mar 2025" and len(months) == 13
    assert {label: counts for label, counts in months.items() if counts[0]} == {
        "Jun 2025": (4, 4, 2, 0, 0),
        "Jan 2026": (1, 0, 0, 1, 1),  # Eve's 23:30 local, not February's UTC
        "Mar 2026": (1, 0, 0, 1, 0),
    }
    assert [_conversion(group) for group in figures["by_source"]] == [
        ("Current clients", 1, 1, 0, 0, 0),  # Ben, by his answer
        ("Personal network", 1, 1, 1, 0, 0),  # Dan: the recorded referral, not his answer
        ("Medical professionals", 2, 1, 1, 1, 0),  # Ann (recorded), Finn (his answer)
        ("Business professionals", 1, 0, 0, 1, 1),  # Eve
        ("Web and other", 1, 1, 0, 0, 0),  # Cara, who gave no answer
    ]


def test_cohorts_count_clients_still_coming_and_leave_months_not_yet_over_empty(practice, history):
    with scope(practice=practice):
        cohorts = cohort_figures(practice=practice, now=NOW)
        assert retention_figures(practice=practice, now=NOW)["cohorts"] == cohorts
    table = {f"{cohort.month:%b %Y}": (cohort.clients, cohort.cells) for cohort in cohorts}
    assert table == {
        # Ivy: back in June 2024 (month 0, not month 1), then in May 2025 (month 12).
        "May 2024": (1, [Share(0, 1), Share(0, 1), Share(0, 1), Share(1, 1)]),
        # Month 1: Ann; month 3: Ann and Cara; month 6: Ann; month 12 is not over for all of them.
        "Jun 2025": (4, [Share(1, 4), Share(2, 4), Share(1, 4), None]),
        "Jan 2026": (1, [None, None, None, None]),  # too young for any column: nothing, not 0 %
        "Mar 2026": (1, [None, None, None, None]),
    }
    assert all(cohort.month.tzinfo == practice.zone and cohort.month.day == 1 for cohort in cohorts)


def test_reasons_not_rebooked_are_counted_per_reason_and_therapist(practice, history):
    with scope(practice=practice):
        reasons = retention_figures(practice=practice, now=NOW)["reasons"]
    # Only the reasons given, in the form's order; Ivy's checkout in 2024 is before the period.
    assert reasons["columns"] == ["Will call to book", "Cost", "Not needed", "None recorded"]
    rows = {row["label"]: (row["checkouts"], row["not_rebooked"], row["cells"]) for row in reasons["rows"]}
    assert rows == {"Ines Call": (2, 2, [0, 1, 0, 1]), "Theo Brand": (4, 3, [1, 1, 1, 0])}
    total = reasons["total"]
    assert (total["checkouts"], total["not_rebooked"], total["cells"]) == (6, 5, [1, 2, 1, 1])
    assert reasons["ranked"][0] == ("Cost", 2)


def test_a_practice_ahead_of_utc_counts_its_own_months_and_nothing_of_another(history, other_practice, outsider):
    other_practice.time_zone = "Australia/Sydney"
    other_practice.save(update_fields=["time_zone"])
    with scope(practice=other_practice):
        h = History(other_practice)
        zoe = h.client("Zoe", heard_via="web")
        # Half past midnight on 1 February in Sydney is still 31 January in UTC.
        assert h.visit(zoe, outsider, "2026-02-01 00:30").starts_at.astimezone(UTC).day == 31
        h.visit(zoe, outsider, "2026-02-10 10:00")
        figures = retention_figures(practice=other_practice, now=NOW)
    assert _conversion(figures["total"]) == ("All new clients", 1, 0, 0, 1, 1)
    assert [group.label for group in figures["by_month"] if group.new] == ["Feb 2026"]
    assert [(f"{cohort.month:%b %Y}", cohort.clients) for cohort in figures["cohorts"]] == [("Feb 2026", 1)]
    assert figures["reasons"]["total"]["checkouts"] == 0


def test_a_share_is_a_percentage_only_from_ten_clients():
    assert Share(2, 3).percent is None and Share(9, 9).percent is None
    assert Share(3, 10).percent == 30 and Share(2, 3) == Share(2, 3)


def test_the_page_is_the_owners(client_for, practice, owner, therapist, front_desk, history):
    with time_machine.travel(NOW):  # the page reads the clock
        browser = client_for(owner)
        page = browser.get(f"/p/{practice.slug}/figures/retention/")
        chart = browser.get(f"/p/{practice.slug}/figures/retention/chart.svg")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Of the 4 whose first visit was at least 90 days ago, <strong>2 of 4</strong> came back" in text
    assert "2 more are too recent to tell (1 already back)" in text
    # The tables by month, therapist and source, and the cohorts' (newest first).
    assert '<th scope="row" class="fw-normal">Jun 2025</th>' in text and "Theo Brand" in text
    assert "Business professionals" in text and '<td class="text-end">1 of 4</td>' in text
    assert "Not rebooked at checkout" in text and "Will call to book" in text
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content
    for member in (therapist, front_desk):
        assert client_for(member).get(f"/p/{practice.slug}/figures/retention/").status_code == 403
        assert client_for(member).get(f"/p/{practice.slug}/figures/retention/chart.svg").status_code == 403
    assert 'href="/p/harbour-test/figures/retention/"' in text  # in the owner's navigation
    assert "/figures/retention/" not in client_for(front_desk).get(f"/p/{practice.slug}/figures/").content.decode()


def test_with_no_visits_the_page_says_so(client_for, practice, owner):
    page = client_for(owner).get(f"/p/{practice.slug}/figures/retention/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "No client has had a first visit in the last two years yet" in text
    assert "No checkouts recorded" in text
    assert client_for(owner).get(f"/p/{practice.slug}/figures/retention/chart.svg").status_code == 200


def _more_history(practice, therapists, clients: int, seed: int) -> None:
    """`clients` new clients over the last two years, each with a few visits (some cancelled or
    missed) and checkout outcomes with reasons. Every visit has a day of its own (and each call an
    hour of its own), so no therapist is booked twice at once."""
    rng = random.Random(seed)
    hour = (timezone.now() - timedelta(days=5)).replace(hour=8 + 2 * seed, minute=0, second=0, microsecond=0)
    with scope(practice=practice):
        service = ServiceFactory(practice=practice)
        rows, day = [], 0
        for n in range(clients):
            client = ClientFactory(practice=practice, heard_via=rng.choice(["client", "web", ""]))
            visits = rng.randrange(1, 5)
            for visit in range(visits):
                rows.append(
                    visit_row(
                        practice=practice,
                        client=client,
                        therapist=therapists[(n + visit) % len(therapists)],
                        service=service,
                        starts_at=hour - timedelta(days=2 * (day + visits - visit)),
                        status=rng.choice(["completed", "completed", "arrived", "no_show", "cancelled"]),
                    )
                )
            day += visits
        Appointment.objects.bulk_create(rows)
        CheckoutOutcome.objects.bulk_create(
            CheckoutOutcome(
                practice=practice, visit=row, booked=rng.random() < 0.5, reason=rng.choice(["", "cost", "will_call"])
            )
            for row in rows
            if row.status == "completed"
        )


def _queries(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_page_and_its_chart_cost_the_same_queries_however_much_history(
    client_for, owner, practice, therapists, django_assert_max_num_queries
):
    browser = client_for(owner)
    page, chart = f"/p/{practice.slug}/figures/retention/", f"/p/{practice.slug}/figures/retention/chart.svg"
    _more_history(practice, therapists, clients=6, seed=1)
    browser.get(page)  # the first page after signing in may save the session
    # Session, user and memberships (3); the first visits, the checkout outcomes, the names.
    with django_assert_max_num_queries(8):  # and the feedback and the notes against the wishes
        assert browser.get(page).status_code == 200
    with django_assert_max_num_queries(4):  # the same 3, and the first visits
        assert browser.get(chart).status_code == 200
    few = [_queries(browser, page), _queries(browser, chart)]
    third = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST).user
    _more_history(practice, [*therapists, third], clients=60, seed=2)  # ten times the clients, a third therapist
    assert [_queries(browser, page), _queries(browser, chart)] == few


def test_the_page_shows_the_feedback_and_the_notes_against_wishes_per_therapist(client_for, practice, owner, history):
    theo = history.practice.memberships.get(user__first_name="Theo").user
    with scope(practice=practice):
        visits = Appointment.objects.filter(practice=practice, therapist=theo, status="completed").order_by("starts_at")
        answers = [("just_right", "yes", 5), ("too_light", "partly", 3), ("just_right", "no", None)]
        for visit, (pressure, focus, rating) in zip(visits, answers, strict=False):
            VisitFeedback.objects.create(
                practice=practice,
                visit=visit,
                client=visit.client,
                therapist=theo,
                pressure=pressure,
                focus=focus,
                rating=rating,
                answered_at=datetime(2026, 2, 10, 15, 0, tzinfo=UTC),
            )
        SessionNote.objects.create(
            practice=practice,
            visit=visits[0],
            client=visits[0].client,
            therapist=theo,
            signed_at=datetime(2026, 2, 11, 15, 0, tzinfo=UTC),
            against_wishes=["avoid", "pressure"],
        )
    with time_machine.travel(NOW):
        text = client_for(owner).get(f"/p/{practice.slug}/figures/retention/").content.decode()
    feedback = text.split('id="feedback-heading"')[1].split("</section>")[0]
    # Theo over the year, then February: 2 of 3 found the pressure right, 1 of 3 got what they came
    # for, nobody answered about the conversation; 2 rated, 4.0 on average.
    row = '<td class="text-end">3</td><td class="text-end">2 of 3</td><td class="text-end">1 of 3</td>'
    assert feedback.count(row) == 2 and '–</td><td class="text-end">4.0' in feedback and "Feb 2026" in feedback
    wishes = text.split('id="wishes-heading"')[1].split("</section>")[0]
    assert "Theo Brand" in wishes and "1 of 1" in wishes
