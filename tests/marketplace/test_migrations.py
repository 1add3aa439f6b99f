"""Data stored by the code before the apps were laid in one order migrates
without loss: reports and complaints move from community_rules to
moderation keeping their tables, and a strike keeps the id of its late
booking once the foreign key up to bookings is gone."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("community_rules", "0003_reports_and_complaints"),
          ("bookings", "0005_rule_set_version"), ("moderation", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # Every other app as it stands now, these apps as the targets say.
    named = {app for app, _name in targets}
    state = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
    return executor.loader.project_state(state + [t for t in targets if t[1]]).apps


def test_rows_made_before_the_move_are_there_after_it():
    old = _migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Community = old.get_model("community_rules", "Community")
    Category = old.get_model("listings", "Category")
    Listing = old.get_model("listings", "Listing")
    Unit = old.get_model("listings", "ListingUnit")
    Booking = old.get_model("bookings", "Booking")
    now = timezone.now()
    lender = User.objects.create(email="lender@example.org")
    borrower = User.objects.create(email="borrower@example.org")
    library = Community.objects.create(name="Library", slug="library")
    category = Category.objects.create(slug="drills-test", name_en="Drills", name_ko="드릴")
    listing = Listing.objects.create(owner=lender, title="Drill", category=category)
    unit = Unit.objects.create(listing=listing, label="1")
    booking = Booking.objects.create(listing=listing, unit=unit, borrower=borrower,
                                     community=library, start=now - timedelta(days=3),
                                     end=now - timedelta(days=2), status="completed")
    old.get_model("community_rules", "Sanction").objects.create(
        community=library, user=borrower, kind="strike", reason="Late", booking=booking)
    report = old.get_model("community_rules", "Report").objects.create(
        reporter=borrower, target_type="listing", target_id=listing.pk, community=library,
        reason="Broken")
    complaint = old.get_model("community_rules", "Complaint").objects.create(
        booking=booking, raised_by=borrower, text="It did not work", deadline=now)
    old.get_model("community_rules", "ComplaintStep").objects.create(
        complaint=complaint, tier="party", action="raised", actor=borrower)

    call_command("migrate", verbosity=0)

    from community_rules.models import Sanction
    from moderation.models import Complaint, ComplaintStep, Report

    assert Sanction.objects.get().booking_id == booking.pk
    moved = Report.objects.get()
    assert (moved.pk, moved.reason, moved.community.slug) == (report.pk, "Broken", "library")
    assert Complaint.objects.get().booking_id == booking.pk
    assert ComplaintStep.objects.get().complaint_id == complaint.pk
    # The strike still cannot be given twice for one late booking.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Sanction.objects.create(community_id=library.pk, user_id=borrower.pk, kind="strike",
                                reason="Again", booking_id=booking.pk)


def test_the_demo_migrates_back_and_forth_cleanly(settings, tmp_path):
    from bookings.models import Booking
    from community_rules.models import Sanction
    from listings.categories import seed_categories
    from moderation.models import Complaint, Report

    settings.MEDIA_ROOT = tmp_path
    seed_categories()  # transactional tests flush the data migration's categories
    call_command("seed_demo", verbosity=0)
    tables = (Booking, Sanction, Report, Complaint)
    counts = [model.objects.count() for model in tables]
    assert counts[0] > 0

    _migrate(BEFORE)
    call_command("migrate", verbosity=0)

    assert [model.objects.count() for model in tables] == counts
