"""Photos: only real JPEG, PNG or WebP up to 10 MB; metadata stripped; a
refused file leaves nothing behind."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from listings.models import ListingPhoto
from listings.services.photo import listing_photo_add
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from tests.fixtures.bookings import make_listing
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


def files_under(root):
    return [f for _, _, names in os.walk(root) for f in names] if root.exists() else []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_each_allowed_format_is_kept_with_a_thumbnail(owner, media, fmt):
    listing = make_listing(owner)
    photo = listing_photo_add(actor=owner, listing=listing,
                              image=image_file(fmt, size=(1200, 900)))
    assert (photo.width, photo.height) == (1200, 900)
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 480 and thumb.format == fmt


def test_exif_and_gps_are_stripped_and_the_photo_turned_upright(owner, media):
    exif = Image.Exif()
    exif[0x0112] = 6            # orientation: rotated
    exif[0x8825] = {2: (37, 33, 0)}  # GPS latitude
    exif[0x010F] = "Camera maker"
    listing = make_listing(owner)
    photo = listing_photo_add(actor=owner, listing=listing,
                              image=image_file("JPEG", size=(200, 100), exif=exif))
    with Image.open(photo.image.path) as saved:
        assert not saved.getexif()
        assert saved.size == (100, 200)   # upright


def truncated_jpeg():
    data = image_file("JPEG", size=(400, 400)).read()
    return SimpleUploadedFile("cut.jpg", data[: len(data) // 2], "image/jpeg")


def bomb_png():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")   # tiny file, 400 megapixels
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")


def huge_file():
    return SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10),
                              "image/jpeg")


@pytest.mark.parametrize("upload,message", [
    (lambda: SimpleUploadedFile("notes.jpg", b"just some text", "image/jpeg"),
     "not a photo"),
    (truncated_jpeg, "damaged or incomplete"),
    (bomb_png, "too many pixels"),
    (lambda: image_file("GIF"), "JPEG, PNG or WebP"),
    (huge_file, "larger than 10 MB"),
])
def test_bad_files_are_refused_and_nothing_is_saved(owner, media, upload, message):
    listing = make_listing(owner)
    with pytest.raises(ValidationFailed) as refused:
        listing_photo_add(actor=owner, listing=listing, image=upload())
    assert message in refused.value.extra["fields"]["image"][0]
    assert not ListingPhoto.objects.exists()
    assert files_under(media) == []


def test_only_the_lender_adds_photos(owner, member, outsider, media):
    public = make_listing(owner)
    hidden = make_listing(owner, title="Hidden", visibility="communities")
    with pytest.raises(Forbidden):
        listing_photo_add(actor=member, listing=public, image=image_file())
    with pytest.raises(NotFound):
        listing_photo_add(actor=outsider, listing=hidden, image=image_file())
    assert files_under(media) == []


def test_photos_keep_the_order_they_were_added_in(owner, media):
    listing = make_listing(owner)
    added = [listing_photo_add(actor=owner, listing=listing, image=image_file())
             for _ in range(3)]
    assert [p.position for p in added] == [0, 1, 2]
    assert list(listing.photos.values_list("pk", flat=True)) == [p.pk for p in added]
