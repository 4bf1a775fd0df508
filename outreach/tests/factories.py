from datetime import date, datetime, time, timedelta

from django.utils import timezone


def client_with_history(
    practice,
    therapist,
    *,
    first_name="Jules",
    last_name="Abernathy",
    visits=6,
    date_of_birth=date(1984, 3, 9),
    partner_email="dr.okafor@quayside-chiro.example",
    days_ago=None,
    extra_note=None,
    hour=10,
):
    """A client of `practice` with weekly completed visits ending yesterday, each with a signed
    note whose neck pain falls from 8, an intake, a partner (with an email) and a signed release
    for it. Create inside the practice's scope. Returns (client, partner)."""
    from clients.models import IntakeVersion
    from clients.tests.factories import ClientFactory, intake_answers
    from outreach.releases import release_record
    from referrals.models import Partner
    from sessions.models import Appointment, Service, SessionNote
    from sessions.tests.factories import ServiceFactory

    client = ClientFactory(practice=practice, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth)
    IntakeVersion.objects.create(
        practice=practice,
        client=client,
        number=1,
        source="staff",
        **intake_answers(reason_for_visit=f"{first_name}'s stiff neck after desk work"),
    )
    service = Service.objects.filter(practice=practice, name="Therapeutic massage 60").first() or ServiceFactory(
        practice=practice, name="Therapeutic massage 60"
    )
    last_day = timezone.localdate(timezone=practice.zone) - timedelta(days=1)
    first_day = last_day - timedelta(days=days_ago if days_ago is not None else 7 * (visits - 1))
    step = (last_day - first_day) / max(1, visits - 1)
    for n in range(visits):  # `hour` keeps two clients of one therapist apart
        starts = datetime.combine(first_day + step * n, time(hour), tzinfo=practice.zone)
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
            pressure_used="firm",
            areas_worked=["neck", "upper_back"],
            pain_ratings={"neck": max(1, 8 - n), "upper_back": max(0, 5 - n // 2)},
            subjective=f"{first_name} reports neck stiffness, visit {n + 1}.",
            tissue_quality="Hypertonic upper trapezius, easing." + (f" {extra_note}" if extra_note else ""),
            range_of_motion="Cervical rotation improving.",
            assessment=f"{first_name} tolerated firm pressure well.",
            plan_focus="Upper trapezius and levator scapulae.",
            plan_interval_days=7,
            home_care="Doorway stretch daily.",
            duration_minutes=60,
            signed_at=starts + timedelta(hours=1),
        )
    partner = Partner.objects.create(
        practice=practice,
        organisation="Quayside Chiropractic",
        kind="chiropractor",
        contact_name="Dr. Ada Okafor",
        email=partner_email,
        fax="+1 603 555 0199",
    )
    release_record(client=client, partner=partner, signed_name=client.full_name, actor=therapist)
    return client, partner


def draft_report(practice, therapist, **history):
    """A draft progress report on a new client_with_history, over the default period."""
    from django_scopes import scope

    from outreach.reports import default_period, report_create

    with scope(practice=practice):
        client, partner = client_with_history(practice, therapist, **history)
        start, end = default_period(practice)
        return report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)


def rendered_report(practice, therapist, **history):
    """A signed report whose PDF is rendered (in this process) and stored."""
    from django_scopes import scope

    from outreach.reports import report_render, report_sign

    report = draft_report(practice, therapist, **history)
    with scope(practice=practice):
        report_sign(report=report, actor=therapist)
    report_render(str(report.pk), str(report.practice_id))
    with scope(practice=practice):
        report.refresh_from_db()
    assert report.status == "ready", report.render_error
    return report
