"""Reads of conversations, messages and blocks. Who takes part in a
conversation is decided here, once, for the API, the pages and the sockets:
the borrower and whoever answers for the listing now
(bookings.services.booking.lender_ids), never a stored list, so a person who
leaves a share company or stops moderating stops seeing its conversations
at once."""

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bookings.services.booking import lender_ids
from listings.models import Listing
from listings.selectors import Viewer, managed_q
from marketplace.errors import NotFound
from messaging.models import Block, Conversation, ConversationRead, Message

MESSAGES_PER_PAGE = 50


def _person(user) -> bool:
    return user is not None and user.is_authenticated


def participant_ids(conversation: Conversation) -> set[int]:
    """The borrower and the lender side as it stands now."""
    return {conversation.borrower_id, *lender_ids(conversation.listing)}


def is_participant(conversation: Conversation, user) -> bool:
    if not _person(user):
        return False
    return user.pk == conversation.borrower_id or user.pk in lender_ids(conversation.listing)


def conversation_get(*, conversation_id: int, user) -> Conversation:
    """The conversation, or NotFound for anyone who does not take part in it
    (city staff included: they see a message only when it is reported)."""
    if not _person(user):
        raise NotFound()
    conversation = (
        Conversation.objects
        .select_related("listing__company", "listing__owner__profile",
                        "listing__owner_community", "borrower__profile", "booking")
        .filter(pk=conversation_id).first()
    )
    if conversation is None or not is_participant(conversation, user):
        raise NotFound()
    return conversation


def _conversations_of(user) -> QuerySet[Conversation]:
    managed = Listing.objects.filter(managed_q(Viewer.of(user))).values("pk")
    return Conversation.objects.filter(Q(borrower_id=user.pk) | Q(listing_id__in=managed))


def _read_upto(user, conversation_ref: str):
    """The id of the newest message `user` has read in the conversation
    named by `conversation_ref` (0 before any)."""
    mark = (ConversationRead.objects
            .filter(conversation_id=OuterRef(conversation_ref), user_id=user.pk)
            .values("last_read_message_id")[:1])
    return Coalesce(Subquery(mark, output_field=IntegerField()), Value(0))


def conversation_list(*, user) -> QuerySet[Conversation]:
    """The person's conversations, as borrower or on the lender side, newest
    activity first. Each carries `unread` (messages by others after the
    person's read mark) and its last message (`last_message_id`,
    `last_message_text`, `last_message_sender_id`), in one query."""
    if not _person(user):
        return Conversation.objects.none()
    unread = (Message.objects
              .filter(conversation_id=OuterRef("pk"), pk__gt=OuterRef("read_upto"))
              .exclude(sender_id=user.pk)
              .order_by().values("conversation_id")
              .annotate(n=Count("pk")).values("n"))
    last = Message.objects.filter(conversation_id=OuterRef("pk")).order_by("-pk")
    return (
        _conversations_of(user)
        .select_related("listing__company", "listing__owner__profile",
                        "listing__owner_community", "borrower__profile", "booking")
        .annotate(
            read_upto=_read_upto(user, "pk"),
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            last_message_id=Subquery(last.values("pk")[:1]),
            last_message_text=Subquery(last.values("text")[:1]),
            last_message_sender_id=Subquery(last.values("sender_id")[:1]),
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
    )


def unread_total(*, user) -> int:
    """Messages by others the person has not read, over all their
    conversations: one query."""
    if not _person(user):
        return 0
    return (Message.objects
            .filter(conversation__in=_conversations_of(user).values("pk"))
            .exclude(sender_id=user.pk)
            .annotate(read_upto=_read_upto(user, "conversation_id"))
            .filter(pk__gt=F("read_upto"))
            .count())


def messages_page(*, conversation: Conversation, before_id: int | None = None,
                  limit: int = MESSAGES_PER_PAGE) -> list[Message]:
    """The newest `limit` messages (older than `before_id` when given),
    oldest first, for display."""
    messages = (Message.objects.filter(conversation=conversation)
                .select_related("sender__profile").order_by("-pk"))
    if before_id is not None:
        messages = messages.filter(pk__lt=before_id)
    return list(reversed(messages[:limit]))


def read_marks(*, conversation: Conversation) -> dict[int, int | None]:
    """{participant id: id of the newest message they have read}."""
    return dict(ConversationRead.objects.filter(conversation=conversation)
                .values_list("user_id", "last_read_message_id"))


def block_between(first_id: int, others) -> Block | None:
    """A block either way between one person and any of `others`."""
    others = [pk for pk in others if pk != first_id]
    if not others:
        return None
    return (Block.objects
            .filter(Q(blocker_id=first_id, blocked_id__in=others)
                    | Q(blocker_id__in=others, blocked_id=first_id))
            .order_by("pk").first())


def block_list(*, user) -> QuerySet[Block]:
    """The people the person has blocked, newest first."""
    if not _person(user):
        return Block.objects.none()
    return (Block.objects.filter(blocker_id=user.pk).select_related("blocked__profile")
            .order_by("-created_at", "-pk"))


def shared_conversation_ids(first, second) -> list[int]:
    """Conversations in which both people take part (one as borrower, the
    other on the lender side)."""
    first_managed = Listing.objects.filter(managed_q(Viewer.of(first))).values("pk")
    second_managed = Listing.objects.filter(managed_q(Viewer.of(second))).values("pk")
    return list(Conversation.objects.filter(
        Q(borrower_id=first.pk, listing_id__in=second_managed)
        | Q(borrower_id=second.pk, listing_id__in=first_managed)).values_list("pk", flat=True))
