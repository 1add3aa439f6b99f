"""The payments API (shared/API.md)."""

urlpatterns = []
