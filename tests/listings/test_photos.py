"""Photos: only real JPEG, PNG or WebP up to 10 MB, decoded in full; EXIF
(GPS included) stripped and the picture turned upright; a thumbnail; a
refused file leaves nothing behind; only those who manage the listing."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community_rules.models import Community, Membership
from listings.categories import seed_categories
from listings.models import Category, Listing, ListingPhoto, ListingUnit
from listings.services.photo import (
    MAX_PHOTOS,
    listing_photo_add,
    listing_photo_remove,
    listing_photo_reorder,
)
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.images import process_photo

pytestmark = pytest.mark.django_db

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}
ORIENTATION, GPS_INFO, MAKE = 0x0112, 0x8825, 0x010F


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tools(db):
    # A flushed database (transactional tests) lacks the migration's categories.
    seed_categories()
    return Category.objects.get(slug="tools")


@pytest.fixture
def make_listing(owner, tools):
    def make(**fields) -> Listing:
        fields.setdefault("title", "Drill")
        listing = Listing.objects.create(owner=owner, category=tools, **fields)
        ListingUnit.objects.create(listing=listing, label="1")
        return listing

    return make


@pytest.fixture
def circle(member):
    circle = Community.objects.create(name="Mapo Circle", slug="mapo-circle")
    Membership.objects.create(community=circle, user=member, status="active")
    return circle


def image_file(fmt="PNG", size=(64, 48), exif=None, mode="RGB") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new(mode, size, (30, 120, 90) if mode == "RGB" else 0)
    image.save(buffer, fmt, **({"exif": exif} if exif is not None else {}))
    extension = EXTENSIONS[fmt]
    return SimpleUploadedFile(f"photo.{extension}", buffer.getvalue(), f"image/{extension}")


def files_under(root) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names]


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
    exif[MAKE] = "Camera maker"
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (37.0, 33.0, 0.0), 3: "E", 4: (126.0, 58.0, 0.0)})
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_each_allowed_format_is_kept_with_a_thumbnail(owner, media, make_listing, fmt):
    listing = make_listing()
    photo = listing_photo_add(actor=owner, listing=listing,
                              image=image_file(fmt, size=(1200, 900)))
    assert (photo.width, photo.height, photo.position) == (1200, 900, 0)
    assert photo.image.name.endswith(f".{EXTENSIONS[fmt]}")
    with Image.open(photo.image.path) as saved:
        assert saved.format == fmt and saved.size == (1200, 900)
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.format == fmt and thumb.size == (480, 360)
    assert len(files_under(media)) == 2


def test_a_small_photo_keeps_its_size_in_the_thumbnail(owner, media, make_listing):
    photo = listing_photo_add(actor=owner, listing=make_listing(), image=image_file(size=(64, 48)))
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.size == (64, 48)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_stripped_and_the_photo_turned_upright(owner, media, make_listing,
                                                                 fmt):
    upload = image_file(fmt, size=(200, 100), exif=camera_exif())
    with Image.open(io.BytesIO(upload.read())) as original:  # the test file carries it
        assert original.getexif().get_ifd(GPS_INFO)
    upload.seek(0)
    photo = listing_photo_add(actor=owner, listing=make_listing(), image=upload)
    for path in (photo.image.path, photo.thumbnail.path):
        with open(path, "rb") as file:
            data = file.read()
        assert b"Exif" not in data and b"Camera maker" not in data
        with Image.open(io.BytesIO(data)) as saved:
            assert not saved.getexif()
            assert not saved.getexif().get_ifd(GPS_INFO)
            assert "exif" not in saved.info and "xmp" not in saved.info
    assert (photo.width, photo.height) == (100, 200)  # upright: portrait
    with Image.open(photo.image.path) as saved:
        assert saved.size == (100, 200)


def test_palette_transparency_survives_as_an_alpha_channel():
    buffer = io.BytesIO()
    Image.new("P", (20, 20), 0).save(buffer, "PNG", transparency=0)
    processed = process_photo(SimpleUploadedFile("logo.png", buffer.getvalue()))
    with Image.open(processed.image) as saved:
        assert saved.mode == "RGBA" and saved.getpixel((0, 0))[3] == 0


def renamed_text_file():
    return SimpleUploadedFile("notes.jpg", b"Meeting notes, not a photo.\n" * 20, "image/jpeg")


def truncated_jpeg():
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    return SimpleUploadedFile("cut.jpg", data[: len(data) // 2], "image/jpeg")


def decompression_bomb():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # ~50 KB, 400 megapixels
    assert len(buffer.getvalue()) < 100_000
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")


def just_over_the_pixel_cap():
    buffer = io.BytesIO()
    Image.new("1", (8_000, 5_001)).save(buffer, "PNG")  # 40.008 megapixels
    return SimpleUploadedFile("wide.png", buffer.getvalue(), "image/png")


def over_ten_megabytes():
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024),
                              "image/jpeg")


@pytest.mark.parametrize("upload,message", [
    (renamed_text_file, "This file is not a photo. Upload a JPEG, PNG or WebP image."),
    (truncated_jpeg, "The photo is damaged or incomplete. Try saving it again."),
    (decompression_bomb, "The photo has too many pixels (at most 40 megapixels)."),
    (just_over_the_pixel_cap, "The photo has too many pixels (at most 40 megapixels)."),
    (lambda: image_file("GIF"), "Upload a JPEG, PNG or WebP photo."),
    (lambda: image_file("BMP"), "Upload a JPEG, PNG or WebP photo."),
    (over_ten_megabytes, "The photo is larger than 10 MB."),
], ids=["renamed-text", "truncated-jpeg", "bomb", "over-40-megapixels", "gif", "bmp",
        "over-10-mb"])
def test_bad_files_are_refused_and_nothing_is_saved(owner, media, make_listing, upload,
                                                    message):
    listing = make_listing()
    with pytest.raises(ValidationFailed) as refused:
        listing_photo_add(actor=owner, listing=listing, image=upload())
    assert refused.value.extra["fields"] == {"image": [message]}
    assert str(refused.value.message) == message
    assert not ListingPhoto.objects.exists()
    assert files_under(media) == []


def test_the_refusal_is_in_the_persons_language(owner, media, make_listing):
    from django.utils import translation

    with translation.override("ko"), pytest.raises(ValidationFailed) as refused:
        listing_photo_add(actor=owner, listing=make_listing(), image=renamed_text_file())
    assert "JPEG" in refused.value.extra["fields"]["image"][0]
    assert "This file is not a photo" not in refused.value.extra["fields"]["image"][0]


def test_only_those_who_manage_the_listing_add_photos(owner, member, outsider, circle, media,
                                                      make_listing):
    public = make_listing()
    members_only = make_listing(title="Ladder", visibility="communities")
    members_only.communities.add(circle)
    with pytest.raises(NotFound):  # the outsider may not even know it exists
        listing_photo_add(actor=outsider, listing=members_only, image=image_file())
    with pytest.raises(Forbidden):  # a member sees it but does not lend it
        listing_photo_add(actor=member, listing=members_only, image=image_file())
    with pytest.raises(Forbidden):
        listing_photo_add(actor=member, listing=public, image=image_file())
    assert not ListingPhoto.objects.exists()
    assert files_under(media) == []


def test_company_staff_add_photos_to_the_companys_listings(owner, member, media, make_listing):
    from accounts.models import CompanyStaff, ShareCompany

    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=member, role="staff")
    listing = make_listing(company=company)
    assert listing_photo_add(actor=member, listing=listing, image=image_file()).position == 0


def test_a_listing_has_at_most_twelve_photos(owner, media, make_listing):
    listing = make_listing()
    for _ in range(MAX_PHOTOS):
        listing_photo_add(actor=owner, listing=listing, image=image_file())
    before = sorted(files_under(media))
    with pytest.raises(ValidationFailed, match="at most 12 photos"):
        listing_photo_add(actor=owner, listing=listing, image=image_file())
    assert listing.photos.count() == MAX_PHOTOS
    assert sorted(files_under(media)) == before


def test_photos_keep_the_order_they_were_added_in_and_can_be_reordered(owner, media,
                                                                       make_listing):
    listing = make_listing()
    added = [listing_photo_add(actor=owner, listing=listing, image=image_file())
             for _ in range(3)]
    assert [p.position for p in added] == [0, 1, 2]
    first, second, third = (p.pk for p in added)
    listing_photo_reorder(actor=owner, listing=listing, photo_ids=[third, first, second])
    assert list(listing.photos.values_list("pk", flat=True)) == [third, first, second]
    for wrong in ([third, first], [third, first, first], [third, first, second, 999]):
        with pytest.raises(ValidationFailed, match="every photo"):
            listing_photo_reorder(actor=owner, listing=listing, photo_ids=wrong)
    assert list(listing.photos.values_list("pk", flat=True)) == [third, first, second]


def test_a_photo_added_after_a_removal_goes_last(owner, media, make_listing):
    listing = make_listing()
    first, second = (listing_photo_add(actor=owner, listing=listing, image=image_file())
                     for _ in range(2))
    listing_photo_remove(actor=owner, photo=first)
    third = listing_photo_add(actor=owner, listing=listing, image=image_file())
    assert list(listing.photos.all()) == [second, third]


def test_removing_a_photo_deletes_its_files(owner, member, media, make_listing,
                                            django_capture_on_commit_callbacks):
    listing = make_listing()
    photo = listing_photo_add(actor=owner, listing=listing, image=image_file("JPEG"))
    with pytest.raises(Forbidden):
        listing_photo_remove(actor=member, photo=photo)
    assert len(files_under(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        listing_photo_remove(actor=owner, photo=photo)
    assert not ListingPhoto.objects.exists()
    assert files_under(media) == []
