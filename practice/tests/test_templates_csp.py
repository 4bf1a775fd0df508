"""The Content-Security-Policy allows only the app's own stylesheets and scripts: a style="" attribute,
a <style> or <script> with a body, or an on*= handler in a page template would be blocked in the browser
(a console error, and whatever it did silently not done). Email templates are exempt: they are read in
mail clients, which need inline styles and never see the policy."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = {
    "a style attribute": re.compile(r"""\sstyle\s*=""", re.IGNORECASE),
    "an inline <style>": re.compile(r"<style\b", re.IGNORECASE),
    "an inline script": re.compile(r"<script\b[^>]*>(?!\s*</script>)", re.IGNORECASE),
    "an on* handler": re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE),
    "an hx-on handler (htmx evaluates it as script)": re.compile(r"\shx-on", re.IGNORECASE),
    "a javascript: link": re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE),
}
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", re.DOTALL)


def _is_email(path: Path) -> bool:
    relative = path.relative_to(TEMPLATES)
    return relative.parts[0] == "emails" or relative.stem.endswith("_email")


def _page_templates() -> list[Path]:
    return [path for path in sorted(TEMPLATES.rglob("*.html")) if not _is_email(path)]


def inline_code(text: str) -> list[str]:
    text = COMMENT.sub("", text)
    return [what for what, pattern in INLINE.items() if pattern.search(text)]


def test_the_checker_finds_each_kind_of_inline_code():
    assert inline_code('<img src="x" style="width: 5rem">') == ["a style attribute"]
    assert inline_code("<style>p { color: red }</style>") == ["an inline <style>"]
    assert inline_code("<script>\n  go();\n</script>") == ["an inline script"]
    assert inline_code('<button type="button" onclick="go()">') == ["an on* handler"]
    assert inline_code('<a href="javascript:go()">') == ["a javascript: link"]
    assert inline_code('<form hx-on::after-request="this.reset()">') == [
        "an hx-on handler (htmx evaluates it as script)"
    ]
    assert inline_code('<script src="/static/js/rebook.js"></script> {# a <style> in a comment #}') == []
    assert inline_code('<div class="onboarding" data-on="1">') == []


def test_no_page_template_has_inline_styles_or_scripts():
    checked = _page_templates()
    assert len(checked) > 50  # the folder was found
    found = [f"{path.relative_to(TEMPLATES)}: {what}" for path in checked for what in inline_code(path.read_text())]
    assert not found, "inline code the CSP blocks:\n" + "\n".join(found)
