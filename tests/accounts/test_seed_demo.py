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
