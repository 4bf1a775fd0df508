"""Email messages: three templates per message, emails/<name>.subject.txt, .txt and .html (the
HTML extends emails/layout.html, the text includes emails/_footer.txt), sent in the practice's name."""

from email.policy import compat32
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


class OneLineHeadersEmail(EmailMultiAlternatives):
    """Headers are written on one line each (RFC 5322 allows 998 characters). At the generator's
    default of 78 columns a long List-Unsubscribe URL gets folded or even encoded, and mail clients'
    one-click unsubscribe no longer finds it."""

    def message(self):
        message = super().message()
        message.policy = compat32.clone(max_line_length=0)
        return message


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) for template set `name`. Only the HTML body is HTML-escaped:
    in a subject or a plain-text body "&lt;" and "&#x27;" would be shown as they are."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_plain(f"emails/{name}.subject.txt", context).split())
    text = _render_plain(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def _render_plain(template_name: str, context: dict) -> str:
    return get_template(template_name).template.render(Context(context, autoescape=False))


def make_message(
    name: str,
    to: str,
    context: dict,
    *,
    unsubscribe_url: str = "",
    message_id: str = "",
    attachments: list[dict] | None = None,
) -> EmailMultiAlternatives:
    """Render emails/<name>.{subject.txt,txt,html} for `to`. `context["practice"]` gives the From name
    and the Reply-To; with `unsubscribe_url` the message carries RFC 8058 one-click headers and the
    templates show the link. `message_id` keeps one Message-ID across retries, so a receiver can
    tell a repeat from a new message. `attachments` are {"filename", "content", "mimetype"} dicts
    (text content, e.g. an iCalendar file)."""
    practice = context["practice"]
    context = {**context, "unsubscribe_url": unsubscribe_url}
    subject, text, html = render_email(name, context)
    sender_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message_id:
        headers["Message-ID"] = message_id
    message = OneLineHeadersEmail(
        subject=subject,
        body=text,
        from_email=formataddr((practice.name, sender_address)),
        to=[to],
        reply_to=[practice.email] if practice.email else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments or []:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message
