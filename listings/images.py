"""Checking and preparing uploaded photos with Pillow: only real JPEG, PNG or
WebP images up to 10 MB, decoded in full (a renamed text file, a truncated
file or a decompression bomb is refused), re-encoded without metadata (GPS
and all EXIF go), turned upright, with a thumbnail."""

import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL = (480, 480)
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    extension: str


def _refuse(message: str):
    raise ValidationFailed(message, fields={"image": [message]})


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    """A checked, cleaned photo and its thumbnail, or ValidationFailed."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        _refuse(_("The photo is larger than 10 MB."))
    data = upload.read()
    if len(data) > MAX_BYTES:
        _refuse(_("The photo is larger than 10 MB."))
    with warnings.catch_warnings():
        # A decompression bomb warns first, then errors: both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    _refuse(_("Upload a JPEG, PNG or WebP photo."))
                if probe.width * probe.height > MAX_PIXELS:
                    _refuse(_("The photo has too many pixels (at most 40 megapixels)."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except ValidationFailed:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            _refuse(_("The photo has too many pixels (at most 40 megapixels)."))
        except UnidentifiedImageError:
            _refuse(_("This file is not a photo. Upload a JPEG, PNG or WebP image."))
        except (OSError, SyntaxError, ValueError):
            _refuse(_("The photo is damaged or incomplete. Try saving it again."))
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGB")
    # Saving without passing `exif` or `info` drops every piece of metadata.
    clean = upright.copy()
    clean.info = {}
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL)
    extension = FORMATS[fmt]
    return ProcessedPhoto(
        image=ContentFile(_encode(clean, fmt)), thumbnail=ContentFile(_encode(thumb, fmt)),
        width=clean.width, height=clean.height, extension=extension)
