"""Every text a person can type has a maximum length (the forms built from the models enforce it),
and free text that reaches a PDF or an email is bounded too."""

from django.apps import apps
from django.db import models

OUR_APPS = ("practice", "outbox", "clients", "therapy_sessions", "referrals", "outreach", "insights")
# Written by the system, never from a form: error texts of a failed render or send.
SYSTEM_WRITTEN = {"outreach.ProgressReport.render_error", "outbox.OutboxMessage.last_error"}


def test_every_text_field_has_a_maximum_length():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.max_length is None
    ]
    assert set(unbounded) == SYSTEM_WRITTEN, sorted(set(unbounded) - SYSTEM_WRITTEN)


def test_a_newsletter_longer_than_its_limit_is_refused_with_a_message(client_for, owner, practice):
    from outreach.models import Newsletter

    long_text = "x" * (Newsletter._meta.get_field("body_markdown").max_length + 1)
    page = client_for(owner).post(
        f"/p/{practice.slug}/newsletters/new/", {"subject": "News", "body_markdown": long_text, "audience": "all"}
    )
    assert page.status_code == 200 and b"Ensure this value has at most 50000 characters" in page.content
