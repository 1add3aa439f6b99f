"""Pages for conversations and notifications: the inbox, one conversation
(history, a form to write, block and unblock), starting a conversation from
a listing or a booking, and the notifications list. Each works with plain
forms and full page loads; conversation.js and bell.js only add the live
parts over the sockets."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.selectors import booking_get
from bookings.services.booking import booking_sides
from frontend.refusals import refusal_shown
from listings.selectors import Viewer, listing_get
from marketplace.errors import NotFound
from messaging import notification_services, selectors, services
from messaging.models import MAX_MESSAGE_LENGTH
from messaging.notifications import notification_text

CONVERSATIONS_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 30


def lender_label(listing) -> str:
    """Who answers for a listing, as a borrower names them."""
    if listing.company_id:
        return listing.company.name
    if listing.owner_community_id:
        return listing.owner_community.name
    return listing.owner.display_name


def _is_borrower(conversation, user) -> bool:
    return conversation.borrower_id == user.pk


def _other_side_name(conversation, user) -> str:
    if _is_borrower(conversation, user):
        return lender_label(conversation.listing)
    return conversation.borrower.display_name


def _block_target(conversation, user):
    """Whom the "Block" button blocks: the borrower blocks the person who
    listed the item (for a company's or a community's listing, the staff
    member or moderator who put it up: the one a block can name); anyone on
    the lender side blocks the borrower."""
    if _is_borrower(conversation, user):
        return conversation.listing.owner
    return conversation.borrower


@login_required
def inbox(request):
    conversations = selectors.conversation_list(user=request.user)
    page = Paginator(conversations, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"conversation": c, "other": _other_side_name(c, request.user),
             "mine": c.last_message_sender_id == request.user.pk} for c in page]
    return render(request, "messaging/inbox.html", {"page": page, "rows": rows})


def _clear_message_notifications(user, conversation_id: int) -> None:
    """The bell's "X wrote about Y" rows for this conversation are read once
    the person has seen the conversation."""
    url = services.conversation_url(conversation_id)
    for notification_id in (notification_services.notifications_list(user, unread_only=True)
                            .filter(kind="new_message", url=url)
                            .values_list("pk", flat=True)):
        notification_services.notification_mark_read(actor=user,
                                                     notification_id=notification_id)


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


@login_required
def conversation_detail(request, conversation_id: int):
    """The newest messages (or those before ?before=), the form to write,
    read marks, and block or unblock. Seeing the newest page marks it read."""
    user = request.user
    conversation = selectors.conversation_get(conversation_id=conversation_id, user=user)
    before = _before(request)
    limit = selectors.MESSAGES_PER_PAGE
    page = selectors.messages_page(conversation=conversation, before_id=before, limit=limit + 1)
    older = len(page) > limit
    page = page[1:] if older else page
    if before is None:
        services.conversation_mark_read(actor=user, conversation=conversation)
        _clear_message_notifications(user, conversation.pk)

    participants = selectors.participant_ids(conversation)
    other_side = ({pk for pk in participants if pk != user.pk} if _is_borrower(conversation, user)
                  else {conversation.borrower_id})
    marks = selectors.read_marks(conversation=conversation)
    read_upto = max((marks.get(pk) or 0 for pk in other_side), default=0)
    last_mine = next((m.pk for m in reversed(page) if m.sender_id == user.pk), None)
    block = selectors.block_between(user.pk, participants - {user.pk})
    target = _block_target(conversation, user)
    return render(request, "messaging/conversation.html", {
        "conversation": conversation, "messages_page": page,
        "older_than": page[0].pk if older else None, "newest": before is None,
        "other_name": _other_side_name(conversation, user),
        "other_side_ids": ",".join(str(pk) for pk in sorted(other_side)),
        "read_upto": read_upto, "last_mine": last_mine,
        "shown_read": last_mine is not None and read_upto >= last_mine,
        "blocked_by_me": block is not None and block.blocker_id == user.pk,
        "blocked_me": block is not None and block.blocked_id == user.pk,
        "block_target": target, "can_block": target.pk != user.pk,
        "max_length": MAX_MESSAGE_LENGTH, "time_zone": settings.TIME_ZONE,
    })


@login_required
@require_POST
def conversation_send(request, conversation_id: int):
    conversation = selectors.conversation_get(conversation_id=conversation_id,
                                              user=request.user)
    with refusal_shown(request):
        services.message_send(actor=request.user, conversation=conversation,
                              text=request.POST.get("text", ""))
    return redirect("conversation", conversation_id=conversation.pk)


@login_required
@require_POST
def conversation_block(request, conversation_id: int):
    """Block (or, with action=unblock, unblock) the other side, as
    _block_target names them."""
    conversation = selectors.conversation_get(conversation_id=conversation_id,
                                              user=request.user)
    target = _block_target(conversation, request.user)
    name = target.display_name
    with refusal_shown(request):
        if request.POST.get("action") == "unblock":
            services.block_remove(actor=request.user, user_id=target.pk)
            messages.success(request, _("You unblocked %(name)s.") % {"name": name})
        else:
            services.block_create(actor=request.user, user_id=target.pk)
            messages.success(request, _("You blocked %(name)s: neither of you can write to "
                                        "the other until you unblock them.") % {"name": name})
    return redirect("conversation", conversation_id=conversation.pk)


def _subject(request) -> dict:
    """What a new conversation is about, from ?listing= or ?booking=
    (the form posts them back): the listing or booking the person may see
    and take part in, else NotFound."""
    source = request.POST if request.method == "POST" else request.GET
    viewer = Viewer.of(request.user)
    booking_id, listing_id = source.get("booking", ""), source.get("listing", "")
    if booking_id.isdigit() and int(booking_id) < 2**63:
        booking = booking_get(booking_id=int(booking_id), viewer=viewer)
        if not booking_sides(booking=booking, user=request.user):
            raise NotFound()
        to = (lender_label(booking.listing) if booking.borrower_id == request.user.pk
              else booking.borrower.display_name)
        return {"booking": booking, "listing": booking.listing, "to": to}
    if listing_id.isdigit() and int(listing_id) < 2**63:
        listing = listing_get(listing_id=int(listing_id), viewer=viewer)
        return {"booking": None, "listing": listing, "to": lender_label(listing)}
    raise NotFound()


@login_required
def conversation_new(request):
    subject = _subject(request)
    text = request.POST.get("text", "") if request.method == "POST" else ""
    status = 200
    if request.method == "POST":
        booking = subject["booking"]
        with refusal_shown(request) as attempt:
            conversation = services.conversation_start(
                actor=request.user, text=text,
                booking_id=booking.pk if booking else None,
                listing_id=None if booking else subject["listing"].pk)
            return redirect("conversation", conversation_id=conversation.pk)
        status = attempt.error.status
    return render(request, "messaging/new.html", {**subject, "text": text,
                                                  "max_length": MAX_MESSAGE_LENGTH},
                  status=status)


# --- notifications ---------------------------------------------------------------


@login_required
def notification_list(request):
    rows = notification_services.notifications_list(request.user)
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    items = [{"notification": n, "text": notification_text(n)} for n in page]
    return render(request, "messaging/notifications.html", {
        "page": page, "items": items,
        "unread": notification_services.unread_notification_count(request.user)})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    """Mark it read and go where it points (a path of ours only)."""
    notification = notification_services.notification_mark_read(
        actor=request.user, notification_id=notification_id)
    url = notification.url or ""
    if not url.startswith("/") or not url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        url = reverse("notifications")
    return redirect(url)


@login_required
@require_POST
def notifications_read_all(request):
    notification_services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("All your notifications are marked read."))
    return redirect("notifications")


urlpatterns = [
    path("messages/", inbox, name="inbox"),
    path("messages/new/", conversation_new, name="conversation-new"),
    path("messages/<int:conversation_id>/", conversation_detail, name="conversation"),
    path("messages/<int:conversation_id>/send/", conversation_send, name="conversation-send"),
    path("messages/<int:conversation_id>/block/", conversation_block,
         name="conversation-block"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read-all/", notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:notification_id>/open/", notification_open,
         name="notification-open"),
]
