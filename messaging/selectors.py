"""Reads of conversations, messages and blocks. Who takes part in a
conversation is decided here, once, for the API, the pages and the sockets:
the borrower and whoever answers for the listing now
(bookings.services.booking.lender_ids), never a stored list, so a person who
leaves a share company or stops moderating stops seeing its conversations
at once."""

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from bookings.services.booking import lender_ids, lenders_of
from listings.models import Listing
from listings.selectors import Viewer, managed_q
from marketplace.errors import NotFound
from messaging.models import Block, Conversation, ConversationRead, Message, Notification

MESSAGES_PER_PAGE = 50


def _person(user) -> bool:
    return user is not None and user.is_authenticated


def participant_ids(conversation: Conversation) -> set[int]:
    """The borrower and the lender side as it stands now (one query)."""
    return {conversation.borrower_id, *lender_ids(conversation.listing)}


def is_participant(conversation: Conversation, user) -> bool:
    return _person(user) and user.pk in participant_ids(conversation)


# What the pages and the API show of a conversation besides its messages.
DISPLAY_RELATED = ("listing__company", "listing__owner__profile", "listing__owner_community",
                   "borrower__profile", "booking")


def conversation_get(*, conversation_id: int, user, related=DISPLAY_RELATED) -> Conversation:
    """The conversation, or NotFound for anyone who does not take part in it
    (city staff included: they see a message only when it is reported).
    `related` is what is loaded with it: everything shown by default; the
    sockets, which only check and write, take the listing alone
    (participant_conversation)."""
    if not _person(user):
        raise NotFound()
    conversation = (Conversation.objects.select_related(*related)
                    .filter(pk=conversation_id).order_by().first())
    if conversation is None or not is_participant(conversation, user):
        raise NotFound()
    return conversation


def conversation_now(conversation_id: int) -> Conversation:
    """The conversation and its listing as they stand now, for a service
    that checks the person's part in it itself: a socket loads its
    conversation once, and who answers for the listing (its company, its
    community) or its title may have changed since, or the conversation be
    gone (NotFound). One query, of the listing only what says who answers
    for it and its title (a message's notice names it)."""
    conversation = (Conversation.objects.select_related("listing")
                    .only("listing_id", "borrower_id", "booking_id", "created_at",
                          "last_message_at", "listing__title", "listing__owner_id",
                          "listing__company_id", "listing__owner_community_id")
                    .filter(pk=conversation_id).order_by().first())
    if conversation is None:
        raise NotFound()
    return conversation


def participant_conversation(*, conversation_id: int, user) -> Conversation:
    """conversation_get with its listing only: two small queries, for a
    socket's every frame and re-check."""
    return conversation_get(conversation_id=conversation_id, user=user, related=("listing",))


def still_taking_part(pairs) -> set[tuple[int, int]]:
    """Of these (conversation id, person id) pairs, those where the person
    still takes part in the conversation and no other participant blocks
    them (and whose account is still active): for re-checking many open
    sockets at once, in at most five queries however many there are."""
    pairs = set(pairs)
    conversations = {conversation.pk: conversation for conversation in (
        Conversation.objects.filter(pk__in={cid for cid, _uid in pairs})
        .select_related("listing").order_by())}
    lenders = lenders_of({conversation.listing_id: conversation.listing
                          for conversation in conversations.values()}.values())
    participants = {cid: {conversation.borrower_id, *lenders[conversation.listing_id]}
                    for cid, conversation in conversations.items()}
    people = {uid for _cid, uid in pairs}
    active = set(User.objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True))
    blocked_by: dict[int, set[int]] = {}
    for blocker_id, blocked_id in (Block.objects.filter(blocked_id__in=people)
                                   .values_list("blocker_id", "blocked_id")):
        blocked_by.setdefault(blocked_id, set()).add(blocker_id)
    return {(cid, uid) for cid, uid in pairs
            if uid in active and uid in participants.get(cid, ())
            and not blocked_by.get(uid, set()) & (participants[cid] - {uid})}


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


def told_of_unread_messages(conversation_id: int, people) -> set[int]:
    """Those of `people` whose bell already holds an unread notice of new
    messages in this conversation: one notice a conversation until they
    read it, not one a message."""
    return set(Notification.objects.filter(
        user_id__in=list(people), kind="new_message", read_at__isnull=True,
        data__conversation=conversation_id).values_list("user_id", flat=True))


def read_up_to(conversation_id: int, people, message_id: int) -> set[int]:
    """Those of `people` whose read mark already stands at or past this
    message (an open page reads a message as it arrives)."""
    return set(ConversationRead.objects.filter(
        conversation_id=conversation_id, user_id__in=list(people),
        last_read_message_id__gte=message_id).values_list("user_id", flat=True))


def blocked_by_any(person_id: int, others) -> bool:
    """Whether any of `others` blocks this person (whoever blocked first):
    such a person may not keep the conversation open."""
    others = [pk for pk in others if pk != person_id]
    return bool(others) and Block.objects.filter(blocked_id=person_id,
                                                 blocker_id__in=others).exists()


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
