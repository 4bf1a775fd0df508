"""Newsletters: rendering Markdown safely, choosing the audience, and queueing one outbox message
per opted-in recipient for the send time."""

from datetime import timedelta

import markdown
import markdown.extensions
import markdown.treeprocessors
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from clients.models import Client
from outbox.kinds import MessageKind, register_kind
from outbox.models import Channel, ConsentEvent, OutboxMessage, Purpose
from outbox.services import enqueue, enqueue_many
from sessions.models import Appointment

from .models import Newsletter

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "hr"}


class _HeadingsBelowThePage(markdown.treeprocessors.Treeprocessor):
    """`# Title` becomes an <h2>, `##` an <h3>, anything deeper an <h4>: the page (or email) around a
    newsletter has its own top heading, and the sanitiser keeps only h2-h4 (it would otherwise drop the
    tag and leave the heading's words run into the text)."""

    def run(self, root):
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                element.tag = f"h{min(int(element.tag[1]) + 1, 4)}"


class _NewsletterHeadings(markdown.extensions.Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Markdown's name)
        md.treeprocessors.register(_HeadingsBelowThePage(md), "newsletter_headings", 5)


def newsletter_save(*, newsletter: Newsletter, practice, actor) -> Newsletter:
    """A draft written or changed by `actor` (the newsletter form's validated instance)."""
    newsletter.practice, newsletter.created_by = practice, newsletter.created_by or actor
    newsletter.full_clean()
    newsletter.save()
    return newsletter


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised: only simple formatting, headings and links survive (raw HTML
    typed into the text is removed or shown as text, never run)."""
    html = markdown.markdown(text or "", extensions=["sane_lists", _NewsletterHeadings()])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, link_rel="noopener")


def audience_clients(newsletter: Newsletter):
    """Clients in the newsletter's audience whose latest marketing-email consent is a yes."""
    practice = newsletter.practice
    latest = (
        ConsentEvent.objects.filter(
            practice=practice, channel=Channel.EMAIL, purpose=Purpose.MARKETING, address=OuterRef("email_lower")
        )
        .order_by("-at")
        .values("granted")[:1]
    )
    clients = (
        Client.objects.filter(practice=practice)
        .exclude(email="")
        .annotate(email_lower=Lower("email"), opted_in=Subquery(latest))
        .filter(opted_in=True)
    )
    if newsletter.audience != Newsletter.Audience.ALL:
        clients = clients.filter(status=Client.Status.ACTIVE)
    if newsletter.audience == Newsletter.Audience.LAPSED:
        cutoff = timezone.now() - timedelta(days=settings.LAPSED_AFTER_DAYS)
        clients = clients.filter(last_visit_at__lt=cutoff)
    if newsletter.audience == Newsletter.Audience.THERAPIST:
        seen_by = Appointment.objects.filter(practice=practice, therapist=newsletter.therapist).values("client_id")
        clients = clients.filter(pk__in=seen_by)
    return clients


def _key(newsletter, client_id) -> str:
    return f"newsletter:{newsletter.pk}:{client_id}"


def newsletter_schedule(*, newsletter: Newsletter, send_at) -> int:
    """Queue a copy for every opted-in recipient, due at `send_at`; returns how many."""
    if newsletter.is_scheduled:
        raise ValidationError("This newsletter is already scheduled.")
    if newsletter.audience == Newsletter.Audience.THERAPIST and newsletter.therapist is None:
        raise ValidationError("Choose the therapist whose clients should receive it.")
    with transaction.atomic():
        newsletter.send_at = send_at
        newsletter.save(update_fields=["send_at"])
        context = {"newsletter_id": str(newsletter.pk)}
        copies = [
            {
                "address": email,
                "client_ref": client_id,
                "idempotency_key": _key(newsletter, client_id),
                "context": context,
            }
            for client_id, email in audience_clients(newsletter).values_list("pk", "email")
        ]
        return enqueue_many(
            practice=newsletter.practice,
            kind=NEWSLETTER,
            copies=copies,
            due_at=send_at,
            created_by=newsletter.created_by,
        )


def newsletter_send_test(*, newsletter: Newsletter, to: str, actor) -> None:
    """A copy to the author straight away, marked as a test."""
    enqueue(
        practice=newsletter.practice,
        kind=NEWSLETTER_TEST,
        address=to,
        created_by=actor,
        idempotency_key=f"newsletter-test:{newsletter.pk}:{timezone.now().timestamp()}",
        context={"newsletter_id": str(newsletter.pk), "test": True},
    )


def newsletter_progress(newsletter: Newsletter) -> dict:
    """How many copies are waiting, sent, skipped (no consent any more) or failed."""
    counts = {status: 0 for status in OutboxMessage.Status.values}
    rows = (
        OutboxMessage.objects.filter(
            practice=newsletter.practice, kind="newsletter", idempotency_key__startswith=f"newsletter:{newsletter.pk}:"
        )
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    counts["total"] = sum(counts.values())
    return counts


def newsletter_context(message: OutboxMessage) -> dict:
    """Rendered when each copy is sent: the newsletter as it is then."""
    newsletter = Newsletter.objects.get(practice=message.practice, pk=message.context["newsletter_id"])
    return {"subject": newsletter.subject, "body_html": render_markdown(newsletter.body_markdown)}


# --- Message kinds ------------------------------------------------------------------------------

NEWSLETTER = register_kind(MessageKind("newsletter", Purpose.MARKETING, refresh=newsletter_context))
# A copy for the author, straight away: a service message, written with the newsletter's templates.
NEWSLETTER_TEST = register_kind(
    MessageKind("newsletter_test", Purpose.TRANSACTIONAL, template="newsletter", refresh=newsletter_context)
)
