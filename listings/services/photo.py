"""A listing's photos: add (checked before anything is written), remove,
reorder. Only those who manage the listing."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from listings.images import process_photo
from listings.models import Listing, ListingPhoto
from listings.selectors import Viewer, can_manage_listing, visible_listings
from marketplace.errors import Forbidden, NotFound, ValidationFailed

MAX_PHOTOS = 12


def _managed(actor, listing: Listing) -> None:
    viewer = Viewer.of(actor)
    if not visible_listings(viewer).filter(pk=listing.pk).exists():
        raise NotFound()
    if not can_manage_listing(listing=listing, viewer=viewer):
        raise Forbidden(_("Only the lender can change this listing's photos."))


def listing_photo_add(*, actor, listing: Listing, image) -> ListingPhoto:
    """Add a photo at the end. A refused file leaves no row and no file."""
    _managed(actor, listing)
    if listing.photos.count() >= MAX_PHOTOS:
        message = _("A listing has at most 12 photos.")
        raise ValidationFailed(message, fields={"image": [message]})
    processed = process_photo(image)  # refuses before anything is written
    with transaction.atomic():
        last = listing.photos.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
        photo = ListingPhoto(listing=listing, width=processed.width, height=processed.height,
                             position=position)
        photo.image.save(f"listing-{listing.pk}.{processed.extension}", processed.image,
                         save=False)
        photo.thumbnail.save(f"listing-{listing.pk}-thumb.{processed.extension}",
                             processed.thumbnail, save=False)
        try:
            photo.save()
        except Exception:
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
            raise
    return photo


@transaction.atomic
def listing_photo_remove(*, actor, photo: ListingPhoto) -> None:
    _managed(actor, photo.listing)
    image, thumbnail = photo.image, photo.thumbnail
    photo.delete()
    transaction.on_commit(lambda: (image.delete(save=False), thumbnail.delete(save=False)))


@transaction.atomic
def listing_photo_reorder(*, actor, listing: Listing, photo_ids: list[int]) -> None:
    _managed(actor, listing)
    photos = {p.pk: p for p in listing.photos.all()}
    if set(photo_ids) != set(photos):
        message = _("Name every photo of the listing once.")
        raise ValidationFailed(message, fields={"photos": [message]})
    for position, photo_id in enumerate(photo_ids):
        ListingPhoto.objects.filter(pk=photo_id).update(position=position)
