"""A calendar grid's column as markup in one pass: a page shows a hundred or more blocks and cells,
and a template loop spends most of its time looking each value up through the context's layers."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

ALERT = ' <span class="appt-alert" title="{}" aria-label="Alert: {}">⚠</span>'


@register.simple_tag
def grid_column(column, appointment_url: str, book_url: str = ""):
    """Working hours and time off (bands), the free times to book from (cells, when `book_url` is
    given) and the visits (blocks, links to their appointment), in that order, so that blocks lie
    above cells and bands."""
    return mark_safe(
        "\n".join((_bands(column), _cells(column, book_url) if book_url else "", _blocks(column, appointment_url)))
    )


def _bands(column) -> str:
    return format_html_join(
        "\n",
        '<div class="band {}"{}>{}</div>',
        (
            (band.classes, format_html(' title="{}"', band.label) if band.label else "", band.label)
            for band in column.bands
        ),
    )


def _cells(column, book_url: str) -> str:
    return format_html_join(
        "",
        '<a class="cell row-{}" href="{}?therapist={}&amp;at={}" data-at="{}">'
        '<span class="visually-hidden">Book with {} at </span>{}</a>',
        (
            (cell.row, book_url, column.therapist_id, cell.at, cell.at, column.label, cell.label)
            for cell in column.cells
        ),
    )


def _blocks(column, appointment_url: str) -> str:
    return format_html_join(
        "\n",
        '<a class="appt {}" href="{}{}/" data-id="{}"{}><strong>{}</strong> {}{}<br>{} · {}</a>',
        (
            (
                block.classes,
                appointment_url,
                block.id,
                block.id,
                mark_safe(' data-movable="1"') if block.movable else "",
                block.time,
                block.client,
                format_html(ALERT, block.alert, block.alert) if block.alert else "",
                block.service,
                block.status,
            )
            for block in column.blocks
        ),
    )
