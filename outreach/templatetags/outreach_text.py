from django import template
from django.utils.html import strip_tags

register = template.Library()


@register.filter
def html_to_text(html: str) -> str:
    """The plain-text part of an email from its sanitised HTML: tags out, paragraphs kept."""
    for block_end in ("</p>", "</li>", "</h2>", "</h3>", "<br>"):
        html = html.replace(block_end, block_end + "\n")
    return strip_tags(html).strip()
