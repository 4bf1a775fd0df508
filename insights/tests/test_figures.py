"""The practice's figures: rebookings, no-shows and late cancels per month, the due-back list beside
them, and new clients counted by the stream they came from."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from clients.tests.factories import ClientFactory
from insights.selectors import rebooking_figures
from referrals import services
from referrals.models import Partner
from sessions.models import Appointment, CheckoutOutcome
from sessions.selectors import due_back
from sessions.services import appointment_book, appointment_cancel
from sessions.tests.factories import ServiceFactory, weekly_hours


def test_figures_count_rebookings_no_shows_and_late_cancels(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice)
        base = (
            (timezone.now() - timedelta(days=40))
            .astimezone(practice.zone)
            .replace(hour=9, minute=0, second=0, microsecond=0)
        )
        visits = []
        for n in range(6):
            visit = Appointment.objects.create(
                practice=practice,
                client=ClientFactory(practice=practice),
                therapist=therapist,
                service=service,
                starts_at=base + timedelta(days=n),
                ends_at=base + timedelta(days=n, hours=1),
                blocked_until=base + timedelta(days=n, hours=1, minutes=15),
                status="completed",
                recommended_interval_days=14,
            )
            visits.append(visit)
        for visit in visits[:3]:
            CheckoutOutcome.objects.create(practice=practice, visit=visit, booked=True)
        CheckoutOutcome.objects.create(practice=practice, visit=visits[3], booked=False, reason="cost")
        no_show = appointment_book(
            practice=practice,
            client=visits[4].client,
            therapist=therapist,
            service=service,
            starts_at=base + timedelta(days=10),
            notify=False,
        )
        appointment_cancel(appointment=no_show, reason="no_show")
        late = appointment_book(
            practice=practice,
            client=visits[4].client,
            therapist=therapist,
            service=service,
            starts_at=base + timedelta(days=11),
            notify=False,
        )
        appointment_cancel(appointment=late, reason="late")
        appointment_book(
            practice=practice,
            client=visits[3].client,
            therapist=therapist,
            service=service,
            starts_at=base + timedelta(days=60),
            notify=False,
        )
        rows = rebooking_figures(practice=practice, since=(base - timedelta(days=62)).date())
        totals = {
            key: sum(row[key] for row in rows) for key in ("completed", "at_checkout", "no_shows", "late", "scheduled")
        }
        assert totals == {"completed": 6, "at_checkout": 3, "no_shows": 1, "late": 1, "scheduled": 8}
        overdue = {v.client_id for v in due_back(practice=practice)}
        # Due 14 days after their visit; a no-show or a cancelled visit does not count as coming back.
        assert overdue == {v.client_id for v in visits} - {visits[3].client_id}


def test_streams_count_new_clients_by_where_they_came_from(client_for, owner, practice):
    with scope(practice=practice):
        chiro = Partner.objects.create(practice=practice, organisation="Harbour Chiropractic", kind="chiropractor")
        referred = ClientFactory(practice=practice, heard_via="web")
        services.referral_record(client=referred, stream="web", partner=chiro)  # the record wins: medical
        ClientFactory(practice=practice, heard_via="client")
        ClientFactory(practice=practice, heard_via="business")
        ClientFactory(practice=practice, heard_via="")
    page = client_for(owner).get(f"/p/{practice.slug}/partners/streams/")
    [row] = page.context["rows"]
    assert row["counts"] == {"client": 1, "personal": 0, "medical": 1, "business": 1, "web": 1} and row["total"] == 4
    chart = client_for(owner).get(f"/p/{practice.slug}/partners/streams/chart.svg")
    assert chart.status_code == 200 and b"Medical professionals" in chart.content


def test_within_a_week_counts_a_visit_whose_client_booked_again_within_seven_days_of_it(practice, therapist):
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice)
        now = timezone.now().astimezone(practice.zone).replace(minute=0, second=0, microsecond=0)

        def completed(days_ago):
            starts = now.replace(hour=9) - timedelta(days=days_ago)
            return Appointment.objects.create(
                practice=practice,
                client=ClientFactory(practice=practice),
                therapist=therapist,
                service=service,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                blocked_until=starts + timedelta(hours=1, minutes=15),
                status="completed",
            )

        def book_again(visit, days_ahead):
            return appointment_book(
                practice=practice,
                client=visit.client,
                therapist=therapist,
                service=service,
                starts_at=now.replace(hour=9) + timedelta(days=days_ahead),
                notify=False,
            )

        booked_again = completed(3)  # booked now: within 7 days of its end
        book_again(booked_again, 8)
        cancelled_again = completed(4)  # booked now, then cancelled: does not count
        appointment_cancel(appointment=book_again(cancelled_again, 9), reason="client")
        too_late = completed(20)  # booked now: 20 days after its end
        book_again(too_late, 10)
        completed(5)  # never booked again
        rows = rebooking_figures(practice=practice, since=(now - timedelta(days=62)).date())
    assert sum(row["completed"] for row in rows) == 4
    assert sum(row["within_week"] for row in rows) == 1


def test_a_visit_checked_out_early_and_rebooked_then_counts_at_checkout_and_within_a_week(practice, therapist):
    """The next visit booked at checkout, before the visit's scheduled end, is a rebooking in both
    figures; so is a booking at checkout that was recorded but is not (yet) another visit's row."""
    with scope(practice=practice):
        weekly_hours(practice, therapist)
        service = ServiceFactory(practice=practice)
        now = timezone.now().astimezone(practice.zone).replace(second=0, microsecond=0)
        # It started 20 minutes ago and is scheduled to end in 40: checked out early, just now.
        early = Appointment.objects.create(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=service,
            starts_at=now - timedelta(minutes=20),
            ends_at=now + timedelta(minutes=40),
            blocked_until=now + timedelta(minutes=55),
            status="completed",
        )
        next_visit = appointment_book(
            practice=practice,
            client=early.client,
            therapist=therapist,
            service=service,
            starts_at=(now + timedelta(days=14)).replace(hour=10, minute=0),
            notify=False,
        )
        CheckoutOutcome.objects.create(practice=practice, visit=early, booked=True)
        assert next_visit.created_at < early.ends_at
        # Rebooked at checkout, its next visit booked by phone: both figures say so.
        recorded = Appointment.objects.create(
            practice=practice,
            client=ClientFactory(practice=practice),
            therapist=therapist,
            service=service,
            starts_at=now - timedelta(days=2, minutes=20),
            ends_at=now - timedelta(days=2, minutes=-40),
            blocked_until=now - timedelta(days=2, minutes=-55),
            status="completed",
        )
        CheckoutOutcome.objects.create(practice=practice, visit=recorded, booked=True)
        rows = rebooking_figures(practice=practice, since=(now - timedelta(days=62)).date())
    assert sum(row["completed"] for row in rows) == 2
    assert sum(row["at_checkout"] for row in rows) == 2
    assert sum(row["within_week"] for row in rows) == 2
    assert {row["rebooked_rate"] for row in rows} == {row["within_week_rate"] for row in rows} == {100}
