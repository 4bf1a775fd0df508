"""Feedback end to end with real peers: a completed visit's next-day follow-up goes out from a Celery
worker process to an SMTP server on loopback, and its feedback link, opened in a browser on a phone,
records the answer (our script sends it; the link's GET alone records nothing)."""

import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.services import intake_record
from clients.tests.factories import ClientFactory, intake_answers
from outbox.models import OutboxMessage
from outreach.models import VisitFeedback
from outreach.tests.live import SmtpSink, tick, wait_for
from sessions.services import appointment_book, appointment_complete
from sessions.tests.factories import ServiceFactory, weekly_hours

pytestmark = [pytest.mark.worker, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots22")
PHONE = {"width": 390, "height": 844}


def _completed_visit(practice, therapist):
    """A visit completed (its follow-up queued by the signal), with a client who agreed to follow-ups."""
    with scope(practice=practice):
        weekly_hours(practice, therapist, days=range(7))
        client = ClientFactory(practice=practice, first_name="Morgan", email="morgan@clients.example")
        intake_record(client=client, source="client_link", answers=intake_answers())
        booked = appointment_book(
            practice=practice,
            client=client,
            therapist=therapist,
            service=ServiceFactory(practice=practice, name="Swedish"),
            starts_at=datetime(2030, 12, 9, 10, 0, tzinfo=practice.zone),
            notify=False,
        )
        return appointment_complete(appointment=booked)


def _feedback():
    with scopes_disabled():
        return VisitFeedback.objects.first()


def test_the_follow_up_emails_feedback_link_records_an_answer(
    practice, therapist, redis, smtp, workers, live_server, browser
):
    cache.clear()
    visit = _completed_visit(practice, therapist)
    with scopes_disabled():  # the next morning has come: the follow-up is due
        OutboxMessage.objects.filter(idempotency_key=f"followup:{visit.pk}").update(due_at=timezone.now())
    workers.start()
    tick(redis.url)
    wait_for(lambda: len(smtp.messages) == 1, timeout=30, message="the follow-up email arrived")
    email = smtp.messages[0]
    path = re.search(r"- Just right: http://[^/\s]+(/feedback/\S+pressure=just_right)", SmtpSink.text_of(email)).group(
        1
    )
    if os.environ.get("REBOOK_SCREENSHOTS"):  # only on request, so CI writes no files
        SHOTS.mkdir(parents=True, exist_ok=True)
        mail = browser.new_page(viewport={"width": 620, "height": 900})
        mail.set_content(SmtpSink.html_of(email))
        mail.screenshot(path=str(SHOTS / "email.png"), full_page=True)
        mail.close()

    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + path)  # the page sends the answer itself, then thanks the client
    page.get_by_role("heading", name="Thank you, Morgan").wait_for()
    assert page.get_by_text("How was the pressure? Just right").is_visible()
    assert _feedback().pressure == "just_right"

    page.get_by_role("group", name="Did we work on what you came for?").get_by_role("button", name="Partly").tap()
    page.get_by_text("Did we work on what you came for? Partly").wait_for()
    if os.environ.get("REBOOK_SCREENSHOTS"):
        page.screenshot(path=str(SHOTS / "thank-you-phone.png"), full_page=True)
    feedback = _feedback()
    assert (feedback.pressure, feedback.focus, feedback.conversation) == ("just_right", "partly", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than a phone
