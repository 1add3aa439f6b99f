"""Listing fixtures for tests/listings (and any test that asks for them):
`categories`, `community` (owner runs it, member is in it), `make_listing`,
`media` (uploads to a temporary MEDIA_ROOT) and `image_file()`."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community_rules.models import Community, Membership
from listings.categories import seed_categories
from listings.services.listing import listing_create


@pytest.fixture
def categories(db):
    seed_categories()


@pytest.fixture
def community(owner, member, categories):
    """An open public community `owner` runs, with `member` in it."""
    circle = Community.objects.create(name="Mapo Circle", slug="mapo-circle")
    Membership.objects.create(community=circle, user=owner, role="owner", status="active")
    Membership.objects.create(community=circle, user=member, status="active")
    return circle


@pytest.fixture
def make_listing(owner, categories):
    """`make_listing(**overrides)` lists something through the listing
    service: by default a free, public, one-unit drill that `owner` lends.
    `actor=` lists it as someone else."""

    def make(*, actor=None, **overrides):
        overrides.setdefault("title", "Drill")
        overrides.setdefault("category", "power-tools")
        return listing_create(actor=actor or owner, **overrides)

    return make


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_file(fmt="PNG", size=(64, 48), name=None, exif=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (30, 120, 90))
    if exif is not None:
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}[fmt]
    return SimpleUploadedFile(name or f"photo.{extension}", buffer.getvalue(),
                              f"image/{extension}")
