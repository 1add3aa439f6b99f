"""API views: parse, call one service or selector, serialize."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
