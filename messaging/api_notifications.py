"""Notifications API: a person's own notifications, read marks, the count."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api import Pagination, paginated
from messaging import notification_services as services
from messaging.models import Notification
from messaging.notifications import notification_text


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "data", "created_at", "read"]

    def get_text(self, notification) -> str:
        return notification_text(notification)

    def get_read(self, notification) -> bool:
        return notification.is_read


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False,
                                      help_text="Only the unread ones.")


UnreadOut = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})


class NotificationCollection(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(parameters=[NotificationListQuery],
                   responses=NotificationSerializer(many=True))
    def get(self, request):
        query = NotificationListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        rows = services.notifications_list(request.user,
                                           unread_only=query.validated_data["unread"])
        return paginated(self, request, rows,
                         lambda page: NotificationSerializer(page, many=True).data)


class NotificationRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=UnreadOut)
    def post(self, request, notification_id: int):
        services.notification_mark_read(actor=request.user, notification_id=notification_id)
        return Response({"unread": services.unread_notification_count(request.user)})


class NotificationReadAll(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=UnreadOut)
    def post(self, request):
        services.notifications_mark_all_read(actor=request.user)
        return Response({"unread": services.unread_notification_count(request.user)})


class NotificationUnread(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadOut)
    def get(self, request):
        return Response({"unread": services.unread_notification_count(request.user)})


urlpatterns = [
    path("notifications/", NotificationCollection.as_view(), name="api-notifications"),
    path("notifications/unread/", NotificationUnread.as_view(),
         name="api-notifications-unread"),
    path("notifications/read-all/", NotificationReadAll.as_view(),
         name="api-notifications-read-all"),
    path("notifications/<int:notification_id>/read/", NotificationRead.as_view(),
         name="api-notification-read"),
]
