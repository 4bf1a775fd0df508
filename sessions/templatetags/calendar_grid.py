"""The day grid's blocks as markup in one pass: a page shows a hundred or more, and a template
loop spends most of its time looking each value up through the context's layers."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

ALERT = ' <span class="appt-alert" title="{}">⚠</span>'


@register.simple_tag
def day_blocks(blocks, appointment_url: str):
    """Each Block (sessions.selectors) as a link to its appointment: time, client (with the alert
    mark), service, and the status unless simply booked."""
    return format_html_join(
        "\n",
        '<a class="appt {}" href="{}{}/"><strong>{}</strong> {}{}<br>{}{}</a>',
        (
            (
                block.classes,
                appointment_url,
                block.id,
                block.time,
                block.client,
                format_html(ALERT, block.alert) if block.alert else "",
                block.service,
                f" · {block.status}" if block.status else "",
            )
            for block in blocks
        ),
    )
