"""Conversations, messages, read marks and blocks (shared/API.md): parse,
call a service or selector, serialize. A conversation is seen by its
participants only: to anyone else it answers 404, as a missing one does."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api import Pagination, paginated
from marketplace.parsers import MAX_JSON_INTEGER
from messaging import selectors, services
from messaging.models import MAX_MESSAGE_LENGTH


def _person(user) -> dict:
    return {"id": user.pk, "name": user.display_name}


class ParticipantOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    sender = serializers.SerializerMethodField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_sender(self, message) -> ParticipantOut:
        return _person(message.sender)


class LastMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    sender = serializers.IntegerField(help_text="The sender's id.")
    text = serializers.CharField()


class ListingRef(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ConversationOut(serializers.Serializer):
    id = serializers.IntegerField()
    listing = serializers.SerializerMethodField()
    booking = serializers.IntegerField(source="booking_id", allow_null=True)
    borrower = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.IntegerField(help_text="Messages by others after your read mark.")
    last_message = serializers.SerializerMethodField()

    def get_listing(self, conversation) -> ListingRef:
        return {"id": conversation.listing_id, "title": conversation.listing.title}

    def get_borrower(self, conversation) -> ParticipantOut:
        return _person(conversation.borrower)

    @extend_schema_field(LastMessageOut(allow_null=True))
    def get_last_message(self, conversation):
        if conversation.last_message_id is None:
            return None
        return {"id": conversation.last_message_id, "sender": conversation.last_message_sender_id,
                "text": conversation.last_message_text}


class ConversationStartIn(serializers.Serializer):
    listing = serializers.IntegerField(required=False, min_value=1, max_value=MAX_JSON_INTEGER,
                                       help_text="A listing you can see; or give `booking`.")
    booking = serializers.IntegerField(required=False, min_value=1, max_value=MAX_JSON_INTEGER,
                                       help_text="A booking you are party to.")
    text = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)


def _listed(conversation, user):
    """The conversation as the list shows it (its unread count and last
    message), for the caller."""
    return selectors.conversation_list(user=user).get(pk=conversation.pk)


class Conversations(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=ConversationOut(many=True),
                   description="Your conversations, as borrower or for the listings you "
                               "answer for, newest activity first.")
    def get(self, request):
        conversations = selectors.conversation_list(user=request.user)
        return paginated(self, request, conversations,
                         lambda page: ConversationOut(page, many=True).data)

    @extend_schema(request=ConversationStartIn, responses={201: ConversationOut},
                   description="Write about a listing (to whoever lends it) or a booking (to "
                               "its other side). The existing conversation is reused; `text` "
                               "is its next message. 403 when one of you has blocked the "
                               "other; 429 `rate_limited` past 20 messages in 10 seconds.")
    def post(self, request):
        params = ConversationStartIn(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        conversation = services.conversation_start(
            actor=request.user, listing_id=data.get("listing"), booking_id=data.get("booking"),
            text=data["text"])
        return Response(ConversationOut(_listed(conversation, request.user)).data,
                        status=status.HTTP_201_CREATED)


class MessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)


class BeforeQuery(serializers.Serializer):
    before = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_JSON_INTEGER,
        help_text="Messages older than this message id (the page's `before`).")


class MessagePageOut(serializers.Serializer):
    results = MessageOut(many=True, help_text="Oldest first.")
    before = serializers.IntegerField(
        allow_null=True,
        help_text="Pass as `before` for the older messages; null when there are none.")


class Messages(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[BeforeQuery],
        responses=MessagePageOut,
        description="The newest 50 messages (or those before `before`), oldest first.")
    def get(self, request, conversation_id: int):
        conversation = selectors.conversation_get(conversation_id=conversation_id,
                                                  user=request.user)
        query = BeforeQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        limit = selectors.MESSAGES_PER_PAGE
        messages = selectors.messages_page(conversation=conversation,
                                           before_id=query.validated_data.get("before"),
                                           limit=limit + 1)
        older = len(messages) > limit
        messages = messages[1:] if older else messages
        return Response(MessagePageOut({"results": messages,
                                        "before": messages[0].pk if older else None}).data)

    @extend_schema(request=MessageIn, responses={201: MessageOut},
                   description="Write in the conversation. 403 when one of you has blocked "
                               "the other; 429 `rate_limited` past 20 messages in 10 seconds.")
    def post(self, request, conversation_id: int):
        conversation = selectors.conversation_get(conversation_id=conversation_id,
                                                  user=request.user)
        params = MessageIn(data=request.data)
        params.is_valid(raise_exception=True)
        message = services.message_send(actor=request.user, conversation=conversation,
                                        text=params.validated_data["text"])
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


class ReadIn(serializers.Serializer):
    message = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                       max_value=MAX_JSON_INTEGER,
                                       help_text="Read up to this message; the newest if "
                                                 "not given.")


class ReadOut(serializers.Serializer):
    conversation = serializers.IntegerField()
    message = serializers.IntegerField(allow_null=True,
                                       help_text="The newest message you have read.")


class ReadMark(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReadIn, responses=ReadOut,
                   description="Move your read mark forward (never back).")
    def post(self, request, conversation_id: int):
        conversation = selectors.conversation_get(conversation_id=conversation_id,
                                                  user=request.user)
        params = ReadIn(data=request.data)
        params.is_valid(raise_exception=True)
        read = services.conversation_mark_read(actor=request.user, conversation=conversation,
                                               message_id=params.validated_data.get("message"))
        return Response(ReadOut({"conversation": conversation.pk, "message": read}).data)


class UnreadOut(serializers.Serializer):
    unread = serializers.IntegerField()


class UnreadCount(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadOut,
                   description="Messages by others you have not read, in all your "
                               "conversations.")
    def get(self, request):
        return Response({"unread": selectors.unread_total(user=request.user)})


class BlockIn(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=MAX_JSON_INTEGER)


class BlockOut(serializers.Serializer):
    user = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_user(self, block) -> ParticipantOut:
        return _person(block.blocked)


class Blocks(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=BlockOut(many=True), description="The people you have blocked.")
    def get(self, request):
        return paginated(self, request, selectors.block_list(user=request.user),
                         lambda page: BlockOut(page, many=True).data)

    @extend_schema(request=BlockIn, responses={201: BlockOut},
                   description="Block a person: neither of you can start a conversation "
                               "with the other or write in one you share.")
    def post(self, request):
        params = BlockIn(data=request.data)
        params.is_valid(raise_exception=True)
        block = services.block_create(actor=request.user,
                                      user_id=params.validated_data["user"])
        block = selectors.block_list(user=request.user).get(pk=block.pk)
        return Response(BlockOut(block).data, status=status.HTTP_201_CREATED)


class BlockDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None},
                   description="Lift a block you made; 404 when there is none.")
    def delete(self, request, user_id: int):
        services.block_remove(actor=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("conversations/", Conversations.as_view(), name="api-conversations"),
    path("conversations/<int:conversation_id>/messages/", Messages.as_view(),
         name="api-conversation-messages"),
    path("conversations/<int:conversation_id>/read/", ReadMark.as_view(),
         name="api-conversation-read"),
    path("messages/unread/", UnreadCount.as_view(), name="api-messages-unread"),
    path("blocks/", Blocks.as_view(), name="api-blocks"),
    path("blocks/<int:user_id>/", BlockDetail.as_view(), name="api-block"),
]
