"""A listing's photos: add (checked before anything is written), remove,
reorder. Only those who manage the listing: its lender, its company's staff,
or the moderators of the community that owns it."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from listings.models import Listing, ListingPhoto
from listings.selectors import Viewer, can_manage_listing, visible_listings
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.images import process_photo

MAX_PHOTOS = 12


def _require_manager(actor, listing: Listing) -> None:
    """NotFound for whoever may not even see the listing (nothing private is
    revealed), Forbidden for whoever sees it but does not manage it."""
    viewer = Viewer.of(actor)
    if not can_manage_listing(listing=listing, viewer=viewer):
        if not visible_listings(viewer).filter(pk=listing.pk).exists():
            raise NotFound()
        raise Forbidden(_("Only those who manage this listing can change its photos."))


def _refuse_when_full(listing: Listing) -> None:
    if listing.photos.count() >= MAX_PHOTOS:
        message = _("A listing has at most 12 photos.")
        raise ValidationFailed(message, fields={"image": [message]})


def listing_photo_add(*, actor, listing: Listing, image) -> ListingPhoto:
    """Add a photo after the others, for those who manage the listing; at
    most 12. The file must be a real JPEG, PNG or WebP image of at most
    10 MB (listings.images); it is stored without its metadata, with a
    thumbnail. A refused file leaves no row and no file."""
    _require_manager(actor, listing)
    _refuse_when_full(listing)
    # Decode and re-encode outside the transaction: slow, and writes nothing.
    processed = process_photo(image)
    with transaction.atomic():
        # One add at a time per listing, so two uploads cannot both be the
        # 12th or take the same position.
        Listing.objects.select_for_update().filter(pk=listing.pk).first()
        _refuse_when_full(listing)
        last = listing.photos.aggregate(last=Max("position"))["last"]
        photo = ListingPhoto(listing=listing, width=processed.width, height=processed.height,
                             position=0 if last is None else last + 1)
        name = f"listing-{listing.pk}"
        try:
            photo.image.save(f"{name}.{processed.extension}", processed.image, save=False)
            photo.thumbnail.save(f"{name}-thumb.{processed.extension}", processed.thumbnail,
                                 save=False)
            photo.save()
        except Exception:
            _delete_files(photo.image, photo.thumbnail)
            raise
    return photo


def _delete_files(*files) -> None:
    for file in files:
        if file:
            file.delete(save=False)


@transaction.atomic
def listing_photo_remove(*, actor, photo: ListingPhoto) -> None:
    """Those who manage the listing remove a photo; its files go once the
    removal is committed."""
    _require_manager(actor, photo.listing)
    image, thumbnail = photo.image, photo.thumbnail
    photo.delete()
    transaction.on_commit(lambda: _delete_files(image, thumbnail))


@transaction.atomic
def listing_photo_reorder(*, actor, listing: Listing, photo_ids: list[int]) -> list[ListingPhoto]:
    """Those who manage the listing put its photos in a new order: every
    photo of the listing named exactly once, the first shown first."""
    _require_manager(actor, listing)
    photos = {p.pk: p for p in listing.photos.select_for_update()}
    try:
        ids = [int(photo_id) for photo_id in photo_ids]
    except (TypeError, ValueError):
        ids = []
    if len(ids) != len(photos) or set(ids) != set(photos):
        message = _("Name every photo of the listing once.")
        raise ValidationFailed(message, fields={"photos": [message]})
    ordered = [photos[photo_id] for photo_id in ids]
    for position, photo in enumerate(ordered):
        photo.position = position
    ListingPhoto.objects.bulk_update(ordered, ["position"])
    return ordered
