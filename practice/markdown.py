"""Markdown the practice writes (newsletters, library articles) as safe HTML: rendered, then
sanitised, so only simple formatting, headings and links survive. Raw HTML typed into the text is
removed or shown as text, and links keep only ordinary schemes (no `javascript:`)."""

import markdown
import markdown.extensions
import markdown.treeprocessors
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "hr"}
LINK_SCHEMES = {"http", "https", "mailto", "tel"}


class _HeadingsBelowThePage(markdown.treeprocessors.Treeprocessor):
    """`# Title` becomes an <h2>, `##` an <h3>, anything deeper an <h4>: the page (or email) around the
    text has its own top heading, and the sanitiser keeps only h2-h4 (it would otherwise drop the
    tag and leave the heading's words run into the text)."""

    def run(self, root):
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                element.tag = f"h{min(int(element.tag[1]) + 1, 4)}"


class _HeadingsExtension(markdown.extensions.Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Markdown's name)
        md.treeprocessors.register(_HeadingsBelowThePage(md), "headings_below_the_page", 5)


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised (nh3): the only way the practice's Markdown reaches a page or
    an email."""
    html = markdown.markdown(text or "", extensions=["sane_lists", _HeadingsExtension()])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes=LINK_SCHEMES, link_rel="noopener")
