"""Stripe's webhook."""

urlpatterns = []
