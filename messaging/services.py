"""Every write of messaging: conversations, messages, read marks, blocks.
Each service is one transaction; live events and notifications go out on
commit (marketplace.events), so nothing is announced that was rolled back
and a channel layer that is down never fails the write.

Live events on a conversation's group (messaging.groups.conversation_group),
for the conversation consumer to forward to its sockets:

- `{"type": "message", "conversation", "message": {id, sender: {id, name}, text, created_at}}`
- `{"type": "read", "conversation", "user", "message"}`: a read mark moved forward
- `{"type": "typing", "conversation", "user", "name"}`
- `{"type": "access_revoked", "conversation", "user"}`: that person was just
  blocked by, or blocked, another participant; the consumer closes that
  person's sockets on the conversation (the other side's stay open, and
  neither can write while the block stands).

Conversations and bookings: bookings sit below messaging and cannot tell it
that a booking was made, so a booking's conversation is found or made
lazily, the first time it is needed (conversation_for_booking): the open
(listing, borrower) conversation is carried over to the first booking the
borrower made after it began; any other booking gets a new one.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import booking_get
from bookings.services.booking import lender_ids
from listings.selectors import Viewer, can_manage_listing, listing_get
from marketplace import events
from marketplace.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from messaging import selectors
from messaging.groups import conversation_group
from messaging.models import (
    MAX_MESSAGE_LENGTH,
    Block,
    Conversation,
    ConversationRead,
    Message,
    Notification,
)
from messaging.notification_services import unread_told_on_commit

# At most RATE_LIMIT messages per person in a window of RATE_WINDOW seconds,
# the window starting at their first message in it. MESSAGING_RATE_LIMIT in
# the settings may change the number (a load test, a busy deployment).
RATE_LIMIT = getattr(settings, "MESSAGING_RATE_LIMIT", 20)
RATE_WINDOW = 10
PREVIEW_LENGTH = 80


def conversation_url(conversation_id: int) -> str:
    return f"/messages/{conversation_id}/"


def _require_person(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise NotFound()


# --- conversations ----------------------------------------------------------

def _booking_conversation(booking: Booking) -> Conversation:
    existing = Conversation.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    open_one = (Conversation.objects.select_for_update()
                .filter(listing_id=booking.listing_id, borrower_id=booking.borrower_id,
                        booking__isnull=True).first())
    if open_one is not None:
        first_after = (Booking.objects
                       .filter(listing_id=booking.listing_id, borrower_id=booking.borrower_id,
                               created_at__gte=open_one.created_at)
                       .order_by("created_at", "pk").first())
        # A conditional update: of two requests carrying it over, one wins.
        if (first_after is not None
                and not Conversation.objects.filter(booking=first_after).exists()
                and Conversation.objects.filter(pk=open_one.pk, booking__isnull=True)
                .update(booking=first_after)
                and first_after.pk == booking.pk):
            open_one.booking = booking
            return open_one
    try:
        with transaction.atomic():
            return Conversation.objects.create(listing_id=booking.listing_id,
                                               borrower_id=booking.borrower_id, booking=booking)
    except IntegrityError:  # made at the same moment by another request
        return Conversation.objects.get(booking=booking)


@transaction.atomic
def conversation_for_booking(booking: Booking) -> Conversation:
    """The booking's conversation, made (or carried over from the open
    one of its listing and borrower) the first time it is asked for."""
    return _booking_conversation(booking)


def conversation_attach_booking(booking: Booking) -> Conversation:
    """Carry the open (listing, borrower) conversation over to a booking
    just made. Bookings cannot call this (they sit below messaging):
    conversation_start and the pages call conversation_for_booking, which
    does the same the first time a booking's conversation is needed."""
    return conversation_for_booking(booking)


def _blocked_refusal(actor, other_ids) -> None:
    block = selectors.block_between(actor.pk, other_ids)
    if block is None:
        return
    if block.blocker_id == actor.pk:
        raise Forbidden(_("You have blocked this person: unblock them to message them."))
    raise Forbidden(_("You cannot message this person: they have blocked you."))


@transaction.atomic
def conversation_start(*, actor, listing_id: int | None = None, booking_id: int | None = None,
                       text: str) -> Conversation:
    """Write to the lender side about a listing the actor can see (not
    their own), or to the other side of a booking they are party to. The
    existing conversation is reused; the text is its next message. A block
    either way between the actor and the other side refuses it."""
    _require_person(actor)
    if (listing_id is None) == (booking_id is None):
        message = _("Say which listing or which booking the message is about.")
        raise ValidationFailed(message, fields={"listing": [message]})
    viewer = Viewer.of(actor)
    if booking_id is not None:
        booking = booking_get(booking_id=booking_id, viewer=viewer)
        lenders = lender_ids(booking.listing)
        if actor.pk == booking.borrower_id:
            others = lenders
        elif actor.pk in lenders:
            others = [booking.borrower_id]
        else:  # city staff see every booking, but take no part in it
            raise NotFound()
        _blocked_refusal(actor, others)
        conversation = _booking_conversation(booking)
    else:
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        if can_manage_listing(listing=listing, viewer=viewer):
            message = _("This is your own listing: people who want to borrow it write to you.")
            raise Forbidden(message)
        _blocked_refusal(actor, lender_ids(listing))
        conversation, _created = Conversation.objects.get_or_create(
            listing=listing, borrower=actor, booking=None)
    conversation = selectors.conversation_get(conversation_id=conversation.pk, user=actor)
    _post(actor=actor, conversation=conversation, text=text)
    return conversation


# --- messages ---------------------------------------------------------------

def _checked_text(text) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationFailed(fields={"text": [_("Write a message.")]})
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed(fields={"text": [
            _("A message is at most %(limit)d characters long.") % {"limit": MAX_MESSAGE_LENGTH}]})
    return text


def _count_against_rate_limit(actor) -> None:
    """Atomic in the cache (Redis at scale): every process counts the same
    window."""
    sent = cache.count_in_window(f"messaging:sent:{actor.pk}", RATE_WINDOW)
    if sent > RATE_LIMIT:
        raise RateLimited(
            _("You are sending messages too fast: at most %(limit)d in %(seconds)d seconds. "
              "Wait a moment.") % {"limit": RATE_LIMIT, "seconds": RATE_WINDOW},
            retry_after=RATE_WINDOW)


def message_payload(message: Message) -> dict:
    return {"id": message.pk,
            "sender": {"id": message.sender_id, "name": message.sender.display_name},
            "text": message.text, "created_at": message.created_at.isoformat()}


def _post(*, actor, conversation: Conversation, text: str) -> Message:
    participants = selectors.participant_ids(conversation)
    if actor.pk not in participants:
        raise NotFound()
    text = _checked_text(text)
    others = participants - {actor.pk}
    _blocked_refusal(actor, others)
    _count_against_rate_limit(actor)
    message = Message.objects.create(conversation=conversation, sender=actor, text=text)
    conversation.last_message_at = message.created_at
    events.send_to_group_on_commit(conversation_group(conversation.pk), {
        "type": "message", "conversation": conversation.pk,
        "message": message_payload(message)})
    # What follows from the message is written once it is stored and on its
    # way to the sockets, so the people waiting for it do not wait for this.
    transaction.on_commit(
        lambda: _after_message(actor=actor, conversation=conversation, message=message,
                               others=others), robust=True)
    return message


@transaction.atomic
def _after_message(*, actor, conversation: Conversation, message: Message, others) -> None:
    """The message's bookkeeping, one transaction right after it was
    stored: the inbox's order, the writer's read mark (whoever writes has
    read what came before) and the bell's notice to the others (one a
    conversation until it is read). Run on commit and robustly: if it
    fails, the message stands, its unread count too (counted from the read
    marks); the inbox order and the bell catch up with the next message."""
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_message_at__isnull=True) | Q(last_message_at__lt=message.created_at)
    ).update(last_message_at=message.created_at)
    _move_read_mark(conversation=conversation, user=actor, message_id=message.pk)
    # Not those told already, nor those who read it in the meantime (their
    # open page marked it read as it arrived, before this ran).
    untold = (others - selectors.told_of_unread_messages(conversation.pk, others)
              - selectors.read_up_to(conversation.pk, others, message.pk))
    events.notify(untold, "new_message", data={
        "conversation": conversation.pk, "message": message.pk, "person": actor.display_name,
        "preview": message.text[:PREVIEW_LENGTH], "listing_title": conversation.listing.title},
        url=conversation_url(conversation.pk))


@transaction.atomic
def message_send(*, actor, conversation: Conversation, text: str) -> Message:
    """A participant writes. The text is 1 to MAX_MESSAGE_LENGTH characters
    (spaces around it dropped); a block between the writer and another
    participant refuses it, saying so; at most RATE_LIMIT messages per
    person per RATE_WINDOW seconds. Pushed to the conversation's sockets and
    told to the other participants on commit."""
    _require_person(actor)
    return _post(actor=actor, conversation=conversation, text=text)


# --- read marks and typing --------------------------------------------------

def _move_read_mark(*, conversation: Conversation, user, message_id: int) -> bool:
    """Forward only: an older message id leaves the mark where it is. One
    query once the person has a mark."""
    behind = (ConversationRead.objects.filter(conversation=conversation, user=user)
              .filter(Q(last_read_message__isnull=True)
                      | Q(last_read_message_id__lt=message_id)))
    moved = {"last_read_message_id": message_id, "read_at": timezone.now()}
    if behind.update(**moved):
        return True
    _mark, created = ConversationRead.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_message_id": message_id})
    # Made by a request at the same moment, perhaps for an older message.
    return created or bool(behind.update(**moved))


@transaction.atomic
def conversation_mark_read(*, actor, conversation: Conversation,
                           message_id: int | None = None) -> int | None:
    """A participant has read up to `message_id` (the newest message when
    not given). The mark only moves forward. Returns the message id the mark
    now stands at."""
    _require_person(actor)
    if not selectors.is_participant(conversation, actor):
        raise NotFound()
    messages = Message.objects.filter(conversation=conversation)
    if message_id is None:
        message_id = messages.order_by("-pk").values_list("pk", flat=True).first()
        if message_id is None:
            return None
    elif not messages.filter(pk=message_id).exists():
        raise ValidationFailed(fields={"message": [_("No such message in this conversation.")]})
    if _move_read_mark(conversation=conversation, user=actor, message_id=message_id):
        events.send_to_group_on_commit(conversation_group(conversation.pk), {
            "type": "read", "conversation": conversation.pk, "user": actor.pk,
            "message": message_id})
        # The bell stops counting the messages the person has now read.
        if Notification.objects.filter(
                user=actor, kind="new_message", read_at__isnull=True,
                data__conversation=conversation.pk,
                data__message__lte=message_id).update(read_at=timezone.now()):
            unread_told_on_commit(actor.pk)
    return (ConversationRead.objects.filter(conversation=conversation, user=actor)
            .values_list("last_read_message_id", flat=True).first())


def typing_announce(*, actor, conversation: Conversation) -> None:
    """Tell the conversation's sockets that a participant is typing. Nothing
    is stored; one who may not write (a block) announces nothing."""
    _require_person(actor)
    participants = selectors.participant_ids(conversation)
    if actor.pk not in participants:
        raise NotFound()
    _blocked_refusal(actor, participants - {actor.pk})
    events.send_to_group_on_commit(conversation_group(conversation.pk), {
        "type": "typing", "conversation": conversation.pk, "user": actor.pk,
        "name": actor.display_name})


# --- blocks -----------------------------------------------------------------

def _person_to_block(actor, user_id) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise NotFound()
    if person.pk == actor.pk:
        raise ValidationFailed(fields={"user": [_("You cannot block yourself.")]})
    return person


@transaction.atomic
def block_create(*, actor, user_id: int) -> Block:
    """The actor will not hear from this person: neither can start a
    conversation with the other or write in one they share. Their open
    sockets on shared conversations are told to close the blocked person's.
    Blocking twice keeps the first block."""
    _require_person(actor)
    person = _person_to_block(actor, user_id)
    block, created = Block.objects.get_or_create(blocker=actor, blocked=person)
    if created:
        for conversation_id in selectors.shared_conversation_ids(actor, person):
            events.send_to_group_on_commit(conversation_group(conversation_id), {
                "type": "access_revoked", "conversation": conversation_id, "user": person.pk})
    return block


@transaction.atomic
def block_remove(*, actor, user_id: int) -> None:
    """Lift a block the actor made; NotFound when there is none."""
    _require_person(actor)
    deleted, _detail = Block.objects.filter(blocker_id=actor.pk, blocked_id=user_id).delete()
    if not deleted:
        raise NotFound()
