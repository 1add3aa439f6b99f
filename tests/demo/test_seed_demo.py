import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_logins_and_can_run_twice(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    count = User.objects.count()
    call_command("seed_demo")

    assert User.objects.count() == count
    assert "minji@nanum.example" in first
    assert "nanum-demo-2026" in first
    minji = User.objects.get(email="minji@nanum.example")
    assert minji.check_password("nanum-demo-2026")
    assert EmailAddress.objects.get(user=minji).verified
    assert User.objects.get(email="city@nanum.example").is_staff


def test_seed_demo_builds_a_lived_in_city(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from bookings.models import Booking
    from community_rules.models import Community, Proposal
    from figures.selectors import city_figures
    from listings.models import Listing

    call_command("seed_demo")
    assert Community.objects.count() == 3
    assert Listing.objects.count() == 60
    assert Listing.objects.filter(photos__isnull=False).distinct().count() == 60
    library = Community.objects.get(slug="mapo-tool-library")
    assert library.governance == "moderated"
    assert {r.type for r in library.rules.all()} >= {
        "max_loan_duration", "deposit_required", "late_return"}
    parents = Community.objects.get(slug="seongbuk-parents-circle")
    assert parents.governance == "democratic"
    assert parents.proposals.get().status == Proposal.Status.OPEN
    assert Community.objects.get(slug="raemian-101-residents").visibility == "private"
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert statuses >= {"requested", "declined", "expired", "cancelled", "confirmed",
                        "picked_up", "no_show", "returned", "disputed", "completed"}
    # A year of lending for the figures (demo/history.py): every past month
    # shows, lending grows, Mapo's money kept is counted.
    figures = city_figures()
    past_months = figures["by_month"][:-1]  # this month has only just begun
    assert len(past_months) == 11 and not any(row["suppressed"] for row in past_months)
    assert past_months[-1]["bookings_completed"] > past_months[0]["bookings_completed"]
    mapo = next(row for row in figures["by_district"] if row["district"] == "마포구")
    assert not mapo["suppressed"] and mapo["money_saved"] > 0
    assert figures["totals"]["share_companies_designated"] == 1
    call_command("seed_demo")
    # the scripted eleven, and a year of completed loans (demo/history.py)
    assert Listing.objects.count() == 60 and Booking.objects.count() == 11 + 78

