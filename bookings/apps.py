from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from bookings.availability import available_between
        from listings.search import provide_availability

        provide_availability(available_between)
