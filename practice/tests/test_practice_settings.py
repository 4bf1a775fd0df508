"""The owner's practice settings: details and the logo printed on progress reports."""

import io

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
        "address": "1 Quay Street",
        "phone": "",
        "email": "",
        "reminder_hours_before": 24,
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
