"""Photos behind a check (issue 15): a listing's photos for whoever may see
the listing, a condition report's photos for the booking's parties only.
Anyone else gets the same 404 as for a photo that does not exist.

Who may see is asked of the selectors; the file itself is streamed by
Django in the embedded default, or handed to the proxy at scale
(settings.NANUM_PROTECTED_MEDIA: "x-accel" for nginx, "x-sendfile" for
Apache or lighttpd; README, "Running at scale").

In development and tests `public_media` serves the rest of MEDIA_ROOT
(avatars, company logos) at /media/, but never the photo folders."""

import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.urls import path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

from bookings.models import ConditionPhoto
from bookings.selectors import booking_get
from listings.models import Listing, ListingPhoto
from listings.selectors import Viewer, visible_listings
from marketplace.errors import NotFound

# Where nginx's internal location maps MEDIA_ROOT (README).
PROTECTED_MEDIA_PREFIX = "/protected-media/"
# MEDIA_ROOT folders only ever served through the checks above.
PRIVATE_FOLDERS = ("listings", "conditions")
SIZES = {"full": "image", "thumb": "thumbnail"}
PUBLIC_MAX_AGE = 60 * 60
PRIVATE_MAX_AGE = 10 * 60


def _field(photo, size: str):
    if size not in SIZES:
        raise NotFound()
    file = getattr(photo, SIZES[size])
    if not file:
        raise NotFound()
    return file


def _send(file, *, public: bool) -> HttpResponse:
    """The file's bytes, or an empty answer telling the proxy which file to
    send; cacheable by anyone only when the photo is public."""
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    mode = settings.NANUM_PROTECTED_MEDIA
    if mode == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = PROTECTED_MEDIA_PREFIX + quote(file.name)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = file.path
    else:
        try:
            stream = file.storage.open(file.name, "rb")
        except FileNotFoundError:
            raise NotFound() from None
        response = FileResponse(stream, content_type=content_type)
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, max_age=PRIVATE_MAX_AGE)
    return response


@require_safe
def listing_photo(request, photo_id: int, size: str):
    """A listing's photo, for those who may see the listing (404 otherwise)."""
    shown = visible_listings(Viewer.of(request.user))
    photo = (ListingPhoto.objects.select_related("listing")
             .filter(pk=photo_id, listing__in=shown).first())
    if photo is None:
        raise NotFound()
    listing = photo.listing
    public = (listing.status == Listing.Status.ACTIVE
              and listing.visibility == Listing.Visibility.PUBLIC)
    return _send(_field(photo, size), public=public)


@require_safe
def condition_photo(request, photo_id: int, size: str):
    """A condition report's photo, for the booking's parties only (and city
    staff, who see every booking); 404 for anyone else."""
    photo = ConditionPhoto.objects.select_related("report").filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    booking_get(booking_id=photo.report.booking_id, viewer=Viewer.of(request.user))
    return _send(_field(photo, size), public=False)


def public_media(request, path: str):
    """Development and tests: MEDIA_ROOT at /media/, minus the photo folders
    (checked the way `serve` resolves the path, so `a/../listings/` is
    refused too)."""
    folder = posixpath.normpath(path).lstrip("/").split("/", 1)[0].lower()
    if folder in PRIVATE_FOLDERS:
        raise NotFound()
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    path("photos/listing/<int:photo_id>/<str:size>/", listing_photo, name="photo-listing"),
    path("photos/condition/<int:photo_id>/<str:size>/", condition_photo,
         name="photo-condition"),
]
