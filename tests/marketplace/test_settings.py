"""Production settings: safe by `check --deploy`, and no start without a key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DJANGO_ENV", "PYTEST_VERSION")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    DJANGO_ENV="production", ALLOWED_HOSTS="nanum.example",
                    SECRET_KEY="k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_stops_with_a_clear_message():
    result = manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="nanum.example")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_makes_email_verification_mandatory():
    result = manage("shell", "--no-imports", "-c",
                    "from django.conf import settings; print(settings.ACCOUNT_EMAIL_VERIFICATION)",
                    DJANGO_ENV="production", ALLOWED_HOSTS="nanum.example",
                    SECRET_KEY="x" * 60)
    assert result.stdout.strip() == "mandatory", result.stderr


def test_embedded_default_uses_sqlite_immediate_and_seoul_time(settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ is True
    assert settings.HUEY["immediate"] is True


@pytest.mark.django_db
def test_postgresql_compiles_no_query_to_machine_code():
    """A search's estimated cost is high enough for PostgreSQL's JIT, whose
    compiling costs more than the query runs (settings.py): off for every
    connection. SQLite has no such thing: its connection takes no options."""
    from django.db import connection

    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
