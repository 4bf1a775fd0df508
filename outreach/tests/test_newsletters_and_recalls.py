"""Newsletters reach only opted-in clients of their practice; recalls go once per interval; the
morning digest lists each person's calls."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from outbox.consent import consent_record
from outbox.models import OutboxMessage
from outreach.models import CallTask, Newsletter
from outreach.newsletters import newsletter_progress, newsletter_schedule, render_markdown
from outreach.recalls import queue_digests, queue_recalls
from sessions.models import Appointment
from sessions.tests.factories import ServiceFactory


def _clients(practice, *, opted_in, opted_out):
    with scope(practice=practice):
        yes = [ClientFactory(practice=practice, email=f"yes{n}@{practice.slug}.example") for n in range(opted_in)]
        no = [ClientFactory(practice=practice, email=f"no{n}@{practice.slug}.example") for n in range(opted_out)]
        for client in yes:
            intake_record(client=client, source="client_link", answers=intake_answers(marketing_email=True))
        for client in no:
            intake_record(client=client, source="client_link", answers=intake_answers(marketing_email=False))
    return yes, no


def test_markdown_is_rendered_and_sanitised():
    html = render_markdown("**Spring** offer\n\n- one\n- two\n\n<script>alert(1)</script> [book](https://x.example)")
    assert "<strong>Spring</strong>" in html and "<li>one</li>" in html
    assert "<script" not in html and 'href="https://x.example"' in html


HEADED = (
    "# Late Thursdays\n\nOpen till 9 & later.\n\n## Who <em>to</em> see\n\n"
    "Ask <b>Sam</b>.\n\n<h1>raw</h1><script>x</script>"
)


def test_headings_show_in_the_preview_and_in_both_parts_of_the_email(
    client_for, owner, practice, send_outbox, mailoutbox
):
    _clients(practice, opted_in=1, opted_out=0)
    as_owner = client_for(owner)
    preview = as_owner.post(
        f"/p/{practice.slug}/newsletters/preview/", {"body_markdown": HEADED}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<h2>Late Thursdays</h2>" in preview and "<h3>Who <em>to</em> see</h3>" in preview
    assert "Open till 9 &amp; later." in preview and "<b>" not in preview and "<script" not in preview
    assert "<h1>" not in preview and "x" not in preview.split("</p>")[-1]
    with scope(practice=practice):
        newsletter = Newsletter.objects.create(practice=practice, subject="Thursdays", body_markdown=HEADED)
    page = as_owner.get(f"/p/{practice.slug}/newsletters/{newsletter.pk}/").content.decode()
    assert '<div id="preview" class="newsletter-preview"><h2>Late Thursdays</h2>' in page
    as_owner.post(f"/p/{practice.slug}/newsletters/{newsletter.pk}/schedule/", {"send_at": ""})
    send_outbox()
    [email] = [m for m in mailoutbox if m.subject == "Thursdays"]
    [(html, _)] = email.alternatives
    assert "<h2>Late Thursdays</h2>" in html and "<h3>Who <em>to</em> see</h3>" in html and "<script" not in html
    lines = email.body.splitlines()
    assert lines[:6] == ["Late Thursdays", "", "Open till 9 & later.", "", "Who to see", ""]
    assert "<" not in email.body.split("Unsubscribe")[0] and "&amp;" not in email.body


def test_a_newsletter_reaches_only_opted_in_clients_of_its_practice(
    client_for, owner, practice, other_practice, send_outbox, mailoutbox
):
    yes, no = _clients(practice, opted_in=3, opted_out=2)
    _clients(other_practice, opted_in=2, opted_out=0)
    as_owner = client_for(owner)
    created = as_owner.post(
        f"/p/{practice.slug}/newsletters/new/",
        {"subject": "Spring hours", "body_markdown": "We are open **Saturdays** now.", "audience": "all"},
    )
    with scopes_disabled():
        newsletter = Newsletter.objects.get(subject="Spring hours")
    assert created.status_code == 302
    page = as_owner.get(f"/p/{practice.slug}/newsletters/{newsletter.pk}/")
    assert page.context["audience_size"] == 3 and b"<strong>Saturdays</strong>" in page.content
    as_owner.post(f"/p/{practice.slug}/newsletters/{newsletter.pk}/schedule/", {"send_at": ""})
    # One client changes their mind before the copies go out.
    with scope(practice=practice):
        consent_record(
            practice=practice,
            channel="email",
            address=yes[0].email,
            purpose="marketing",
            granted=False,
            source="unsubscribe",
        )
    send_outbox()
    received = sorted(m.to[0] for m in mailoutbox if m.subject == "Spring hours")
    assert received == sorted(c.email for c in yes[1:])
    for message in mailoutbox:
        assert "List-Unsubscribe" in message.extra_headers and "Saturdays" in message.body
    with scope(practice=practice):
        progress = newsletter_progress(newsletter)
    assert (progress["sent"], progress["skipped"], progress["total"]) == (2, 1, 3)
    live = as_owner.get(f"/p/{practice.slug}/newsletters/{newsletter.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b"Sent</span> 2" in live.content and b"Skipped</span> 1" in live.content


def test_a_test_copy_goes_to_the_author_only(client_for, owner, practice, send_outbox, mailoutbox):
    _clients(practice, opted_in=2, opted_out=0)
    with scope(practice=practice):
        newsletter = Newsletter.objects.create(practice=practice, subject="Draft", body_markdown="Hi", created_by=owner)
    client_for(owner).post(f"/p/{practice.slug}/newsletters/{newsletter.pk}/test/")
    send_outbox()
    assert [(m.to, m.subject) for m in mailoutbox] == [([owner.email], "[Test] Draft")]


def test_a_scheduled_newsletter_waits_for_its_time_and_cannot_be_scheduled_twice(practice, send_outbox, mailoutbox):
    _clients(practice, opted_in=1, opted_out=0)
    later = timezone.now() + timedelta(days=2)
    with scope(practice=practice):
        newsletter = Newsletter.objects.create(practice=practice, subject="Later", body_markdown="Soon")
        assert newsletter_schedule(newsletter=newsletter, send_at=later) == 1
    send_outbox()
    assert mailoutbox == []
    with time_machine.travel(later + timedelta(minutes=1)):
        send_outbox()
    assert len(mailoutbox) == 1


def _overdue_visit(practice, therapist, client, days_ago=40, interval=14):
    starts = timezone.now() - timedelta(days=days_ago)
    return Appointment.objects.create(
        practice=practice,
        client=client,
        therapist=therapist,
        service=ServiceFactory(practice=practice),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        blocked_until=starts + timedelta(hours=1),
        status="completed",
        recommended_interval_days=interval,
    )


def test_recalls_go_once_per_interval_and_land_on_the_call_list(practice, therapist, send_outbox, mailoutbox):
    (patient,), _ = _clients(practice, opted_in=1, opted_out=0)
    with scope(practice=practice):
        visit = _overdue_visit(practice, therapist, patient)
        _overdue_visit(practice, therapist, ClientFactory(practice=practice), days_ago=10)  # not overdue yet
        assert queue_recalls(practice) == 1
        assert queue_recalls(practice) == 1  # the same keys: nothing new is queued
        recalls = OutboxMessage.objects.filter(kind__in=["recall", "recall_call"])
        assert sorted(recalls.values_list("idempotency_key", flat=True)) == [
            f"recall-call:{visit.pk}",
            f"recall:{visit.pk}",
        ]
    send_outbox()
    [email] = [m for m in mailoutbox if "next massage" in m.subject]
    assert email.to == [patient.email] and "/rebook/" in email.body
    with scope(practice=practice):
        task = CallTask.objects.get(practice=practice)
        assert task.reason == "recall" and task.assigned_to == therapist and task.phone == patient.phone
        assert "Due back since" in task.notes


def test_the_morning_digest_lists_each_persons_calls(practice, therapist, owner, send_outbox, mailoutbox):
    with scope(practice=practice):
        CallTask.objects.create(
            practice=practice,
            client_ref=ClientFactory(practice=practice).pk,
            assigned_to=therapist,
            reason="follow-up",
            client_name="Blair Hollis",
            phone="+1 603 555 0133",
            due_on=timezone.localdate(timezone=practice.zone),
        )
        eight = timezone.localtime(timezone.now(), practice.zone).replace(hour=8)
        assert queue_digests(practice, now=eight.replace(hour=7)) == 0
        assert queue_digests(practice, now=eight) == 1
    send_outbox()
    [digest] = mailoutbox
    assert digest.to == [therapist.email] and "Blair Hollis" in digest.body and "(1)" in digest.subject


def test_a_newsletter_as_a_real_smtp_server_receives_it(practice, settings, send_outbox):
    from outreach.tests.live import SmtpSink

    _clients(practice, opted_in=1, opted_out=1)
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        with scope(practice=practice):
            newsletter = Newsletter.objects.create(
                practice=practice, subject="Winter hours", body_markdown="Open **late on Thursdays** from December."
            )
            newsletter_schedule(newsletter=newsletter, send_at=timezone.now())
        send_outbox()
    [raw] = sink.raw
    assert b"Subject: Winter hours" in raw and b"\nList-Unsubscribe: <http" in raw
    assert b"<strong>late on Thursdays</strong>" in raw and b"To: yes0@" in raw
    print("newsletter as received by the loopback SMTP server:\n" + raw.decode()[:1600])


def test_the_live_preview_renders_what_is_typed_safely(client_for, owner, practice):
    response = client_for(owner).post(
        f"/p/{practice.slug}/newsletters/preview/",
        {"body_markdown": "Hello **there** <script>x</script>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.content == b"<p>Hello <strong>there</strong> </p>"
