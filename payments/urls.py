"""Stripe's webhook: POST /payments/stripe/webhook/."""

from django.urls import path

from payments.webhooks import stripe_webhook

urlpatterns = [
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
]
