"""HTML to PDF with WeasyPrint, kept away from the machine's files, and private storage for the result.

WeasyPrint's own fetcher follows `file://`, `http://` and every other scheme it knows, so a stray
`<img src="file:///…">` or `<a rel="attachment" href="…">` in a report would embed that file in the
PDF. Ours answers only for Rebook's own static files, found by the staticfiles finders, under one
made-up origin, and for an inline PNG (the practice's logo, which Rebook re-encoded on upload);
every other address is refused and WeasyPrint leaves that resource out.
"""

import base64
import hashlib
import mimetypes
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Templates rendered for PDFs use this as their base URL, so `{% static %}` paths resolve under it.
STATIC_ORIGIN = "https://rebook.static.invalid"
LOGO_PREFIX = "data:image/png;base64,"


def logo_data_uri(png: bytes | None) -> str:
    """The practice's stored logo as an inline image for the letterhead; empty without one."""
    return LOGO_PREFIX + base64.b64encode(bytes(png)).decode() if png else ""


class RefusedResource(ValueError):
    """An address the PDF may not fetch; WeasyPrint logs it and leaves the resource out."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `https://rebook.static.invalid/static/<path>` from Rebook's static files; nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith(LOGO_PREFIX):  # the practice's logo, inlined by us (a PNG we re-encoded)
            return URLFetcherResponse(url, base64.b64decode(url[len(LOGO_PREFIX) :]), {"Content-Type": "image/png"})
        parts = urlsplit(url)
        prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        if f"{parts.scheme}://{parts.netloc}" != STATIC_ORIGIN or not parts.path.startswith(prefix):
            raise RefusedResource(f"not one of Rebook's static files: {url[:80]}")
        relative = posixpath.normpath(unquote(parts.path[len(prefix) :]))
        if relative.startswith(("..", "/")) or "\\" in relative:
            raise RefusedResource(f"not one of Rebook's static files: {url[:80]}")
        found = finders.find(relative)
        if not found:
            raise RefusedResource(f"no such static file: {relative}")
        with open(found, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


@dataclass
class RenderedPdf:
    content: bytes
    pages: int
    sha256: str


def html_to_pdf(html: str, *, on_step=lambda step: None) -> RenderedPdf:
    """Lay out and write the PDF; `on_step` hears "Laying out pages" and "Writing the PDF"."""
    on_step("Laying out pages")
    document = HTML(string=html, base_url=f"{STATIC_ORIGIN}/", url_fetcher=StaticOnlyFetcher()).render()
    on_step("Writing the PDF")
    content = document.write_pdf()
    return RenderedPdf(content=content, pages=len(document.pages), sha256=hashlib.sha256(content).hexdigest())


def private_storage() -> FileSystemStorage:
    """Files no URL serves (base_url None): views read them after checking rights."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def store_private(name: str, content: bytes) -> str:
    """Save under `name` (a fresh name is chosen if it is taken) and return the stored name."""
    return private_storage().save(name, ContentFile(content))


def open_private(name: str, *, sha256: str):
    """The stored file's bytes, after checking they are still the bytes that were rendered."""
    with private_storage().open(name, "rb") as file:
        content = file.read()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise OSError(f"{name} does not match its recorded SHA-256; it will not be served")
    return content
