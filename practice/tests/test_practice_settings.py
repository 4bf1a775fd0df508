"""The owner's practice settings: details and the logo printed on progress reports."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from practice.models import Practice


def _image(size=(1200, 400), fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (47, 111, 104)).save(buffer, format=fmt)
    return SimpleUploadedFile(f"logo.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def _details(practice) -> dict:
    return {
        "name": practice.name,
        "time_zone": practice.time_zone,
        "country": "US",
        "address": "1 Quay Street",
        "phone": "",
        "email": "",
        "reminder_hours_before": 24,
        "therapist_note_access": "all",
    }


def test_the_owner_uploads_a_logo_that_is_stored_as_a_small_png(client_for, owner, practice):
    as_owner = client_for(owner)
    url = f"/p/{practice.slug}/settings/"
    assert as_owner.post(url, {**_details(practice), "logo": _image(fmt="JPEG")}).status_code == 302
    stored = Image.open(io.BytesIO(bytes(Practice.objects.get(pk=practice.pk).logo_png)))
    assert stored.format == "PNG" and stored.size == (600, 200)
    preview = as_owner.get(f"/p/{practice.slug}/settings/logo.png")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert b"settings/logo.png" in as_owner.get(url).content

    as_owner.post(url, {**_details(practice), "remove_logo": "on"})
    assert Practice.objects.get(pk=practice.pk).logo_png is None
    assert as_owner.get(f"/p/{practice.slug}/settings/logo.png").status_code == 204


def test_a_file_that_is_not_a_png_or_jpeg_image_is_refused_with_a_message(client_for, owner, practice):
    as_owner = client_for(owner)
    url = f"/p/{practice.slug}/settings/"
    fake = SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png")
    refused = as_owner.post(url, {**_details(practice), "logo": fake})
    assert refused.status_code == 200 and "Upload a valid image" in refused.content.decode()
    gif = as_owner.post(url, {**_details(practice), "logo": _image(fmt="GIF")})
    assert "Upload the logo as a PNG or JPEG image" in gif.content.decode()
    assert Practice.objects.get(pk=practice.pk).logo_png is None


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own alarm at the header
def test_a_huge_logo_is_refused_from_its_header_without_being_decoded(client_for, owner, practice, monkeypatch):
    """A PNG of 13,000 × 13,000 one-bit pixels is a few KB on the wire and 680 MB once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(buffer, format="PNG")
    assert buffer.tell() < 1024 * 1024
    decoded = []
    original_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda image: decoded.append(image.size) or original_load(image))

    url = f"/p/{practice.slug}/settings/"
    huge = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    refused = client_for(owner).post(url, {**_details(practice), "name": "Renamed Practice", "logo": huge})
    assert refused.status_code == 200 and b"13,000 \xc3\x97 13,000 pixels" in refused.content
    assert (13_000, 13_000) not in decoded  # the upload was never decoded (other images may be)
    practice.refresh_from_db()
    assert practice.logo_png is None and practice.name != "Renamed Practice"  # and nothing half-saved


@pytest.mark.parametrize(
    "path, shown",
    [
        ("settings/", ["Send appointment reminders (hours before)", "Phone numbers typed without a country code"]),
        ("follow-ups/settings/", ["Tries before giving up on a call", "Email the call list at (hour)"]),
    ],
)
def test_every_settings_field_has_a_label_in_words_and_help(client_for, owner, practice, path, shown):
    page = client_for(owner).get(f"/p/{practice.slug}/{path}")
    html = page.content.decode()
    form = page.context["form"]
    for name, field in form.fields.items():
        # Django's own label is the model field's name read out ("Call max tries"): each one is chosen.
        assert name in form._meta.labels or name in form.declared_fields, f"{name} is labelled by its field name"
        assert field.help_text, f"{name} has no help text"
        label = re.search(rf'<label\s+for="id_{name}"[^>]*>\s*([^<]+)', html)
        assert label and label.group(1).strip() == field.label, f"{name} shows no label of its own"
        assert f'<div id="id_{name}_helptext" class="form-text">{field.help_text}</div>' in html
    for words in shown:
        assert words in html
