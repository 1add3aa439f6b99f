from django.core.management.base import BaseCommand
from django.db import transaction

from demo.bookings import seed_bookings
from demo.history import seed_designations
from demo.people import DEMO_PASSWORD, seed_people
from demo.sharing import seed_sharing


class Command(BaseCommand):
    help = "Create the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = seed_people()
            sharing = seed_sharing()
            bookings = seed_bookings()
            seed_designations()
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for user, role in people:
            self.stdout.write(f"  {user.email:<26} {role}")
        self.stdout.write(
            f"{sharing['communities']} communities, {sharing['companies']} share companies, "
            f"{sharing['listings']} listings ({sharing['listings_created']} new), "
            f"{bookings} new bookings")
