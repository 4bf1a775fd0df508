"""A calendar grid's column as markup in one pass: a page shows a hundred or more blocks and cells,
and a template loop spends most of its time looking each value up through the context's layers."""

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

ALERT = ' <span class="appt-alert" title="{}" aria-label="Alert: {}">⚠</span>'
MOVABLE = ' data-movable="1"'


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
    # Each cell's row, time and the therapist's id are digits the grid made; only the URL and the
    # column's label are escaped, once per column rather than once per cell.
    href = f"{escape(book_url)}?therapist={column.therapist_id}&amp;at="
    cell_html = (
        f'<a class="cell row-{{}}" href="{href}{{}}" data-at="{{}}">'
        f'<span class="visually-hidden">Book with {escape(column.label)} at </span>{{}}</a>'
    )
    return mark_safe("".join(cell_html.format(cell.row, cell.at, cell.at, cell.label) for cell in column.cells))


def _blocks(column, appointment_url: str) -> str:
    # The classes, time and id are the grid's own (status keys, digits, a UUID); the names and the
    # alert are people's text and are escaped.
    prefix = escape(appointment_url)
    return mark_safe(
        "\n".join(
            f'<a class="appt {block.classes}" href="{prefix}{block.id}/" data-id="{block.id}"'
            f"{MOVABLE if block.movable else ''}><strong>{block.time}</strong> {escape(block.client)}"
            f"{ALERT.format(escape(block.alert), escape(block.alert)) if block.alert else ''}"
            f"<br>{escape(block.service)} · {escape(block.status)}</a>"
            for block in column.blocks
        )
    )
