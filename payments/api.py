"""The payments API (shared/API.md): paying for a booking, its payments, a
lender's balance, a damage claim on the deposit."""

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.selectors import booking_get
from listings.selectors import Viewer
from payments import ledger
from payments.models import Payment
from payments.selectors_booking import booking_payments
from payments.services import checkout, settlement

_ERROR = {"$ref": "#/components/schemas/Error"}


def _refused_payment(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=_ERROR, description=description)


_DECLINED = _refused_payment(
    "payment_failed: the card was declined or the card service refused; nothing was "
    "charged and the booking stays approved (`detail` says why).")


class PaymentOut(serializers.Serializer):
    """What the pay page (or an app) needs to confirm the payment with
    Stripe.js, and where the payment stands."""

    payment_id = serializers.IntegerField(source="pk")
    client_secret = serializers.CharField(
        help_text="The PaymentIntent's client secret, for Stripe.js.")
    publishable_key = serializers.SerializerMethodField()
    amount = serializers.IntegerField(help_text="In the currency's minor unit (KRW has none).")
    currency = serializers.CharField()
    status = serializers.ChoiceField(Payment.Status.choices)
    requires_action = serializers.SerializerMethodField(
        help_text="The card asks the person to confirm (3-D Secure): run "
                  "confirmCardPayment with the client secret, then POST .../payment/check/.")

    def get_publishable_key(self, payment) -> str:
        return settings.STRIPE_PUBLISHABLE_KEY

    def get_requires_action(self, payment) -> bool:
        return payment.status == Payment.Status.REQUIRES_ACTION


class CardIn(serializers.Serializer):
    token = serializers.CharField(max_length=255,
                                  help_text="A card token (tok_...) from Stripe.js's Card Element.")


_FOR_THE_BORROWER = (" Only the booking's borrower pays: anyone else, the lender side "
                     "included, is answered 404 as for a booking that does not exist.")


class BookingPayment(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses={200: PaymentOut, 402: _DECLINED},
        operation_id="v1_bookings_payment_start",
        description="The rental payment of an approved booking, made once: asking again "
                    "(a reload, a double click) answers the same payment and client secret. "
                    "409 invalid_transition when nothing is due online (a free loan, cash "
                    "at pickup, payments offline) or the booking is not approved."
                    + _FOR_THE_BORROWER)
    def post(self, request, booking_id: int):
        payment = checkout.payment_start(actor=request.user, booking_id=booking_id)
        return Response(PaymentOut(payment).data)


class BookingPaymentConfirm(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CardIn, responses={200: PaymentOut, 402: _DECLINED},
        operation_id="v1_bookings_payment_confirm",
        description="Saves the card (a token from the Card Element) for the deposit and "
                    "any late fee, and confirms the payment with it on the server. "
                    "`requires_action`: the card asks for 3-D Secure (confirmCardPayment, "
                    "then .../payment/check/). A paid rental confirms the booking."
                    + _FOR_THE_BORROWER)
    def post(self, request, booking_id: int):
        params = CardIn(data=request.data)
        params.is_valid(raise_exception=True)
        payment = checkout.payment_pay_with_card(actor=request.user, booking_id=booking_id,
                                                 token=params.validated_data["token"])
        return Response(PaymentOut(payment).data)


class BookingPaymentCheck(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses={200: PaymentOut, 402: _refused_payment(
            "payment_failed: the card service could not be asked; try again.")},
        operation_id="v1_bookings_payment_check",
        description="How the payment stands now at the card service (after 3-D Secure, "
                    "or a return from the pay page); a paid rental confirms the booking. "
                    "404 before any payment was started." + _FOR_THE_BORROWER)
    def post(self, request, booking_id: int):
        payment = checkout.payment_check(actor=request.user, booking_id=booking_id)
        return Response(PaymentOut(payment).data)


class PaymentChangeOut(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    cause = serializers.CharField()
    created_at = serializers.DateTimeField()


class RefundOut(serializers.Serializer):
    amount = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class BookingPaymentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(Payment.Kind.choices)
    status = serializers.ChoiceField(Payment.Status.choices)
    amount = serializers.IntegerField()
    captured = serializers.IntegerField()
    refunded = serializers.IntegerField()
    withheld = serializers.IntegerField(
        help_text="Of a deposit hold: kept back for a late fee the card refused.")
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    capture_before = serializers.DateTimeField(
        allow_null=True, help_text="When a card hold lapses, if the card service says.")
    changes = PaymentChangeOut(many=True)
    refunds = RefundOut(many=True, source="refund_operations")


class BookingPayments(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BookingPaymentOut(many=True),
                   description="The booking's payments (rental, deposit hold, late fee) with "
                               "every change and refund, for its borrower, its lender side "
                               "and city staff; 404 for anyone else.")
    def get(self, request, booking_id: int):
        booking = booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        return Response(BookingPaymentOut(booking_payments(booking), many=True).data)


class BalanceOut(serializers.Serializer):
    currency = serializers.CharField()
    owed = serializers.IntegerField(help_text="Owed to the caller as lender, not yet paid out.")
    paid = serializers.IntegerField(help_text="Paid out to the caller so far.")


class LenderBalance(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BalanceOut(many=True),
                   description="The signed-in person's balance as a lender, per currency.")
    def get(self, request):
        balances = ledger.lender_balance(request.user)
        return Response(BalanceOut(sorted(balances.values(), key=lambda b: b["currency"]),
                                   many=True).data)


class DamageClaimIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, help_text="At most the deposit held.")
    text = serializers.CharField(max_length=1500, help_text="What was damaged.")


class DamageClaimOut(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    amount = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class BookingDamageClaim(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DamageClaimIn, responses={201: DamageClaimOut},
                   operation_id="v1_bookings_damage_claim",
                   description="The lender side claims on the deposit held, within the "
                               "inspection window after the return; the booking becomes "
                               "disputed. 403 for the borrower, 404 for anyone else, 409 "
                               "when no deposit is held or the window has closed.")
    def post(self, request, booking_id: int):
        booking = booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = DamageClaimIn(data=request.data)
        params.is_valid(raise_exception=True)
        claim = settlement.damage_claim_make(actor=request.user, booking=booking,
                                             **params.validated_data)
        return Response(DamageClaimOut(claim).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bookings/<int:booking_id>/payment/", BookingPayment.as_view(),
         name="api-booking-payment"),
    path("bookings/<int:booking_id>/payment/confirm/", BookingPaymentConfirm.as_view(),
         name="api-booking-payment-confirm"),
    path("bookings/<int:booking_id>/payment/check/", BookingPaymentCheck.as_view(),
         name="api-booking-payment-check"),
    path("bookings/<int:booking_id>/payments/", BookingPayments.as_view(),
         name="api-booking-payments"),
    path("bookings/<int:booking_id>/damage-claim/", BookingDamageClaim.as_view(),
         name="api-booking-damage-claim"),
    path("payments/balance/", LenderBalance.as_view(), name="api-payments-balance"),
]
