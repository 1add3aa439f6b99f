from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from bookings import payment_step
        from payments.step import PaymentsStep

        payment_step.provide(PaymentsStep())
