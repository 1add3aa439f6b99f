"""Checking and preparing uploaded photos with Pillow: only real JPEG, PNG or
WebP images up to 10 MB, decoded in full (a renamed text file, a truncated
file or a decompression bomb is refused), turned upright and re-encoded
without metadata (EXIF with its GPS position, XMP, comments all go), with a
thumbnail of at most 480 px on the long side.

Pure: nothing here touches the database or the storage, so a caller can
check every file before it writes anything."""

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
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    extension: str  # "jpg", "png" or "webp"
    format: str  # Pillow's name: "JPEG", "PNG" or "WEBP"


def _refuse(message: str):
    raise ValidationFailed(message, fields={"image": [message]})


def _read(upload) -> bytes:
    """The upload's bytes, refusing past 10 MB without reading much further."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        _refuse(_("The photo is larger than 10 MB."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        _refuse(_("The photo is larger than 10 MB."))
    return data


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The fully decoded, upright image and its format, or a refusal."""
    too_big = _("The photo has too many pixels (at most 40 megapixels).")
    # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that; both are
    # refusals. (Our own 40-megapixel cap, checked before decoding, refuses
    # these anyway, should another thread reset the warning filter.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    _refuse(_("Upload a JPEG, PNG or WebP photo."))
                if probe.width * probe.height > MAX_PIXELS:
                    _refuse(too_big)
                probe.verify()
            # verify() leaves the file unusable and skips the pixel data of
            # some formats: open again and decode every pixel.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return ImageOps.exif_transpose(image), fmt
        except ValidationFailed:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            _refuse(too_big)
        except UnidentifiedImageError:
            _refuse(_("This file is not a photo. Upload a JPEG, PNG or WebP image."))
        except (OSError, SyntaxError, ValueError, EOFError):
            _refuse(_("The photo is damaged or incomplete. Try saving it again."))


def _plain_mode(image: Image.Image, fmt: str) -> Image.Image:
    """RGB, RGBA or L: modes every format saves and thumbnails resample well.
    Palette transparency becomes an alpha channel, since the metadata that
    carries it is dropped; JPEG has no alpha, so it goes onto white."""
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if fmt == "JPEG":
        if has_alpha:
            rgba = image.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            return background
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    # Saving without `exif`, `icc_profile` or `info` writes no metadata.
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=JPEG_QUALITY)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    """A checked, cleaned photo in its own format and its thumbnail, or
    ValidationFailed(fields={"image": [why]})."""
    upright, fmt = _decode(_read(upload))
    clean = _plain_mode(upright, fmt)
    clean.info = {}
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL)
    return ProcessedPhoto(
        image=ContentFile(_encode(clean, fmt)), thumbnail=ContentFile(_encode(thumb, fmt)),
        width=clean.width, height=clean.height, extension=FORMATS[fmt], format=fmt)
