"""Stripe's webhook endpoint: verify the signature, hand the event over.

POST /payments/stripe/webhook/ (route "stripe-webhook"). Stripe signs every
delivery with the endpoint's secret (STRIPE_WEBHOOK_SECRET); an unsigned or
badly signed body is refused 400 and changes nothing. Without a secret the
endpoint does not exist (404). The gateway out of reach while the event is
handled: 503, and Stripe delivers it again later.
"""

import stripe
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.errors import NotFound, ValidationFailed
from payments.gateways import GatewayError
from payments.services.webhooks import webhook_handle


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return JsonResponse(NotFound().as_dict(), status=404)
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, TypeError, AttributeError, stripe.SignatureVerificationError):
        # Unsigned, badly signed, or signed but not an event at all.
        refused = ValidationFailed(_("The event's signature could not be verified."))
        return JsonResponse(refused.as_dict(), status=400)
    try:
        outcome = webhook_handle(event)
    except ValidationFailed as refused:
        return JsonResponse(refused.as_dict(), status=400)
    except GatewayError as error:
        return JsonResponse({"code": "unavailable", "detail": str(error.message)}, status=503)
    return JsonResponse({"received": True, "outcome": outcome})
