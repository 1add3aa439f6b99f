"""Pages for money: paying an approved booking (Stripe's Payment Element, or
localstripe's Card Element with our server confirming), the return from
payment, the receipt, the lender's claim on a deposit, the lender's
earnings and the staff payout report."""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from bookings import payment_step, pricing, selectors
from bookings.models import Booking
from bookings.services.booking import booking_sides
from bookings.transitions import BORROWER
from frontend.refusals import refusal_shown
from listings.selectors import Viewer
from marketplace.errors import DomainError, NotFound
from payments import ledger
from payments import selectors as payment_selectors
from payments.models import Payment, PaymentCustomer, PaymentOperation, Payout
from payments.services import checkout, payouts, settlement

P = Payment.Status
STILL_OPEN = (P.PENDING, P.REQUIRES_ACTION, P.FAILED)


def _booking_of(request, booking_id: int, *, side: str | None = None) -> Booking:
    """The booking if the person is a party to it (on `side`, when given);
    anyone else is told it is not there."""
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    sides = booking_sides(booking=booking, user=request.user)
    if (side and side not in sides) or not sides:
        raise NotFound()
    return booking


def _rental_payment(booking: Booking) -> Payment | None:
    return Payment.objects.filter(idempotency_key=checkout.rental_key(booking)).first()


def stripe_mode() -> str:
    """"card": localstripe's Card Element, our server confirms; "element":
    Stripe's Payment Element (dynamic payment methods)."""
    return "card" if settings.STRIPE_API_BASE else "element"


def stripe_js_url() -> str:
    if settings.STRIPE_API_BASE:
        return f"{settings.STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def _back_to(booking_id: int):
    return redirect("booking-detail", booking_id=booking_id)


@login_required
def pay(request, booking_id: int):
    """The quote restated and the payment form; the PaymentIntent is made
    once (a reload finds the same one)."""
    booking = _booking_of(request, booking_id, side=BORROWER)
    paid = _rental_payment(booking)
    if paid is not None and paid.status == P.SUCCEEDED:
        messages.info(request, _("This booking is paid."))
        return _back_to(booking.pk)
    if booking.status != Booking.Status.APPROVED or \
            not payment_step.current().due_online(booking):
        messages.info(request, _("This booking is not waiting for a payment."))
        return _back_to(booking.pk)
    with refusal_shown(request) as attempt:
        payment = checkout.payment_start(actor=request.user, booking_id=booking.pk)
    if attempt.error is not None:
        return _back_to(booking.pk)
    if payment.status not in STILL_OPEN:
        return redirect("booking-pay-return", booking_id=booking.pk)
    return render(request, "payments/pay.html", {
        "booking": booking, "payment": payment,
        "charged_now": booking.rental + booking.fees,
        "terms": pricing.cancellation_terms(booking.cancellation_policy),
        "mode": stripe_mode(), "stripe_js": stripe_js_url(),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(
            reverse("booking-pay-return", args=[booking.pk])),
        "saved_card": checkout.saved_card(request.user),
    })


def _answer(payment: Payment, *, message: str = "", status: int = 200) -> JsonResponse:
    requires_action = payment is not None and payment.status == P.REQUIRES_ACTION
    if not message and payment is not None:
        message = {
            P.SUCCEEDED: _("Paid: your booking is confirmed."),
            P.REQUIRES_ACTION: _("Your card asks you to confirm the payment."),
            P.FAILED: payment.error_text or _("The payment failed. Try another card."),
        }.get(payment.status, _("Your payment is being processed."))
    return JsonResponse({
        "status": payment.status if payment is not None else P.FAILED,
        "requires_action": requires_action,
        "client_secret": payment.client_secret if requires_action else "",
        "message": str(message),
    }, status=status)


def _refused(booking: Booking, error: DomainError) -> JsonResponse:
    fields = error.extra.get("fields") or {}
    details = " ".join(str(m) for found in fields.values() for m in found)
    return _answer(_rental_payment(booking), message=details or str(error.message),
                   status=error.status)


@login_required
@require_POST
def pay_card(request, booking_id: int):
    """The localstripe flow: the Card Element's token, saved on the person's
    Customer and the PaymentIntent confirmed with it. Answers JSON."""
    booking = _booking_of(request, booking_id, side=BORROWER)
    try:
        payment = checkout.payment_pay_with_card(actor=request.user, booking_id=booking.pk,
                                                 token=request.POST.get("token", ""))
    except DomainError as error:
        return _refused(booking, error)
    return _answer(payment)


@login_required
@require_POST
def pay_check(request, booking_id: int):
    """After the card's 3-D Secure step: how the payment stands now. JSON."""
    booking = _booking_of(request, booking_id, side=BORROWER)
    try:
        payment = checkout.payment_check(actor=request.user, booking_id=booking.pk)
    except DomainError as error:
        return _refused(booking, error)
    return _answer(payment)


@login_required
def pay_return(request, booking_id: int):
    """Back from paying (Stripe's redirect or our page's script): the
    payment as the gateway says it stands, then the booking."""
    booking = _booking_of(request, booking_id, side=BORROWER)
    if _rental_payment(booking) is None:
        return _back_to(booking.pk)
    with refusal_shown(request):
        payment = checkout.payment_check(actor=request.user, booking_id=booking.pk)
        if payment.status == P.SUCCEEDED:
            messages.success(request, _("Paid: your booking is confirmed."))
        elif payment.status == P.FAILED:
            messages.error(request, _("The payment failed: %(reason)s") % {
                "reason": payment.error_text or _("the card was refused.")})
        elif payment.status == P.CANCELED:
            messages.error(request, _("This payment was cancelled."))
        else:
            messages.info(request, _("Your payment is still being processed: the booking is "
                                     "confirmed as soon as it goes through."))
    return _back_to(booking.pk)


@login_required
def receipt(request, booking_id: int):
    """A printable receipt for both parties (of a free or cash loan too: it
    then says nothing was paid online)."""
    booking = _booking_of(request, booking_id)
    payments = list(booking.payments.exclude(status__in=[P.PENDING, P.FAILED])
                    .order_by("created_at", "id"))
    refunds = (PaymentOperation.objects.filter(
        payment__booking=booking, kind=PaymentOperation.Kind.REFUND,
        status=PaymentOperation.Status.DONE).select_related("payment")
        .order_by("updated_at", "id"))
    customer = PaymentCustomer.objects.filter(user=booking.borrower).first()
    return render(request, "payments/receipt.html", {
        "booking": booking, "payments": payments, "refunds": refunds,
        # The card is the borrower's business: the lender's copy leaves it out.
        "card_label": customer.card_label if customer and request.user == booking.borrower
        else "",
        "lender": booking.listing.company or booking.listing.owner_community
        or booking.listing.owner,
    })


@login_required
@require_POST
def claim(request, booking_id: int):
    """The lender's claim on the deposit after the return (the borrower,
    who sees the booking, is told it is the lender's step)."""
    booking = _booking_of(request, booking_id)
    try:
        amount = int(request.POST.get("amount", "").replace(",", "").strip())
    except ValueError:
        amount = 0
    with refusal_shown(request):
        settlement.damage_claim_make(actor=request.user, booking=booking, amount=amount,
                                     text=request.POST.get("text", ""))
        messages.success(request, _("Your claim is sent. The booking is now disputed and a "
                                    "mediator will look at it with the condition reports."))
    return _back_to(booking.pk)


EARNINGS_PAGE = 50


@login_required
def earnings(request):
    """What the lender is owed and was paid, their ledger lines and payouts."""
    lines = payment_selectors.lender_ledger(request.user)
    return render(request, "payments/earnings.html", {
        "balances": sorted(ledger.lender_balance(request.user).values(),
                           key=lambda b: b["currency"]),
        "page": Paginator(lines, EARNINGS_PAGE).get_page(request.GET.get("page")),
        "payouts": Payout.objects.filter(lender=request.user)[:50],
        "connect": settings.STRIPE_CONNECT,
        "payout_account": getattr(request.user, "payout_account", None)
        if settings.STRIPE_CONNECT else None,
    })


@login_required
def payouts_setup(request):
    """Stripe Connect onboarding: to Stripe's page, and back here. A link
    (GET), not a form: the policy's form-action would refuse the redirect to
    Stripe's origin."""
    if not settings.STRIPE_CONNECT:
        raise NotFound()
    with refusal_shown(request):
        url = payouts.payout_account_onboard(
            user=request.user,
            refresh_url=request.build_absolute_uri(reverse("earnings")),
            return_url=request.build_absolute_uri(reverse("earnings")))
        return redirect(url)
    return redirect("earnings")


def _staff_only(request) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise NotFound()


def _payout_rows() -> list[dict]:
    """Lenders owed money: {lender, currency, owed, paid, account_id, state}."""
    return payment_selectors.payout_report()


def staff_payouts(request):
    _staff_only(request)
    return render(request, "payments/staff_payouts.html", {
        "rows": _payout_rows(), "connect": settings.STRIPE_CONNECT})


def staff_payouts_csv(request):
    _staff_only(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="nanum-payouts.csv"'
    response.write("\ufeff")  # spreadsheets then read the Korean names right
    writer = csv.writer(response)
    writer.writerow(["lender_id", "name", "email", "currency", "owed", "paid",
                     "payout_account"])
    for row in _payout_rows():
        lender = row["lender"]
        writer.writerow([lender.pk, _spreadsheet_safe(lender.display_name),
                         _spreadsheet_safe(lender.email), row["currency"],
                         row["owed"], row["paid"], row.get("account_id") or ""])
    return response


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, a tab or a
    carriage return first) is kept as text."""
    return f"'{text}" if text and text[0] in "=+-@\t\r" else text


@require_POST
def staff_payout_mark_paid(request, user_id: int):
    """Staff settled a lender's balance by hand (a bank transfer): the
    amount and balance state the report showed, so a second click records
    nothing more."""
    _staff_only(request)
    lender = User.objects.filter(pk=user_id).first()
    if lender is None:
        raise NotFound()
    try:
        amount = int(request.POST.get("amount", ""))
    except ValueError:
        amount = None
    with refusal_shown(request):
        payouts.payout_record_manual(actor=request.user, lender=lender, amount=amount,
                                     currency=request.POST.get("currency", ""),
                                     state=request.POST.get("state", ""))
        messages.success(request, _("Recorded: %(name)s was paid by hand.") % {
            "name": lender.display_name})
    return redirect("staff-payouts")


urlpatterns = [
    path("bookings/<int:booking_id>/pay/", pay, name="booking-pay"),
    path("bookings/<int:booking_id>/pay/card/", pay_card, name="booking-pay-card"),
    path("bookings/<int:booking_id>/pay/check/", pay_check, name="booking-pay-check"),
    path("bookings/<int:booking_id>/pay/return/", pay_return, name="booking-pay-return"),
    path("bookings/<int:booking_id>/receipt/", receipt, name="booking-receipt"),
    path("bookings/<int:booking_id>/claim/", claim, name="booking-claim"),
    path("earnings/", earnings, name="earnings"),
    path("earnings/payouts/setup/", payouts_setup, name="payouts-setup"),
    path("staff/payouts/", staff_payouts, name="staff-payouts"),
    path("staff/payouts.csv", staff_payouts_csv, name="staff-payouts-csv"),
    path("staff/payouts/<int:user_id>/paid/", staff_payout_mark_paid,
         name="staff-payout-paid"),
]
