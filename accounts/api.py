from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="profile.display_name", max_length=60)
    bio = serializers.CharField(source="profile.bio", allow_blank=True, max_length=2000)
    district = serializers.CharField(
        source="profile.district", allow_blank=True, max_length=60
    )
    avatar = serializers.ImageField(source="profile.avatar", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "bio", "district", "avatar", "is_staff",
                  "date_joined"]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.profile_update(actor=request.user, **serializer.validated_data.get("profile", {}))
        request.user.refresh_from_db()
        return Response(MeSerializer(request.user).data)


urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
]
