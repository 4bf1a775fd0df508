"""Newsletters: choosing the audience, and queueing one outbox message per opted-in recipient for the
send time. Their Markdown is rendered and sanitised by practice.markdown (as library articles are)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from clients.models import Client
from library.links import article_url
from outbox.kinds import MessageKind, register_kind
from outbox.models import Channel, ConsentEvent, OutboxMessage, Purpose
from outbox.services import enqueue, enqueue_many
from practice.markdown import render_markdown
from sessions.models import Appointment

from .models import Newsletter


def newsletter_save(*, newsletter: Newsletter, practice, actor) -> Newsletter:
    """A draft written or changed by `actor` (the newsletter form's validated instance)."""
    newsletter.practice, newsletter.created_by = practice, newsletter.created_by or actor
    newsletter.full_clean()
    newsletter.save()
    return newsletter


def article_block(article) -> str:
    """The Markdown a newsletter gets for one of the library's articles: its title, its one line and
    a link to its page (signed, no sign-in needed), so the newsletter stays short."""
    lines = [f"## {article.title}", ""]
    if article.summary:
        lines += [article.summary, ""]
    lines.append(f"[Read it on our website]({article_url(article)})")
    return "\n".join(lines)


def newsletter_insert_article(*, newsletter: Newsletter, article) -> Newsletter:
    """Add an article's block at the end of the draft's text (the owner moves it where it belongs)."""
    if newsletter.is_scheduled:
        raise ValidationError("This newsletter is already scheduled.")
    body = newsletter.body_markdown.rstrip()
    newsletter.body_markdown = f"{body}\n\n{article_block(article)}\n" if body else f"{article_block(article)}\n"
    return newsletter


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
