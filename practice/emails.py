"""Rendering of Rebook's emails: three templates per message, emails/<name>.subject.txt, .txt and
.html (the HTML extends emails/layout.html). The outreach engine builds its messages on this too."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) for template set `name`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def send_account_email(name: str, to: str, context: dict, *, reply_to: str = "") -> None:
    """Send an account email (staff invitation and the like) straight away. Call it on commit."""
    subject, text, html = render_email(name, context)
    message = EmailMultiAlternatives(subject, text, to=[to], reply_to=[reply_to] if reply_to else None)
    message.attach_alternative(html, "text/html")
    message.send()
