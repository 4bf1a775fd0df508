from html import unescape

from django import template
from django.utils.html import strip_tags

register = template.Library()


@register.filter
def html_to_text(html: str) -> str:
    """The plain-text part of an email from its sanitised HTML: tags out, paragraphs and headings on
    lines of their own, entities back to the characters they stand for ("&amp;" is "&" in plain text)."""
    for block_end in ("</p>", "</li>", "</h2>", "</h3>", "</h4>", "<br>"):
        html = html.replace(block_end, block_end + "\n")
    return unescape(strip_tags(html)).strip()
