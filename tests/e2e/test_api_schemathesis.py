"""Schemathesis over the whole OpenAPI document, against the live server.

Each operation gets a bounded number of generated requests, valid and
invalid, sent as an ordinary member and again as a moderator (with the path
pointed at their community and its members, so moderator routes do real
work). Every answer must be no server error, have a documented status and
match the documented schema; invalid data must be refused; an operation
that needs a session must refuse a missing or a wrong one.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from community_rules.models import Membership
from community_rules.services import community_join, membership_change
from listings.categories import seed_categories
from tests.conftest import PASSWORD, make_person
from tests.e2e.conftest import run_job
from tests.fixtures.bookings import make_listing, tomorrow_at

CHECKS = ("not_a_server_error,response_schema_conformance,status_code_conformance,"
          "negative_data_rejection,ignored_auth")
# Examples per operation: with ~66 operations, two runs stay within minutes.
MAX_EXAMPLES = int(os.environ.get("NANUM_SCHEMATHESIS_EXAMPLES", "10"))


@pytest.fixture
def world(transactional_db):
    """A moderated community with its owner, a moderator and a member; a
    listing the owner lends and a booking the member asked for. Made off
    Playwright's event-loop thread: the services announce on commit, through
    async_to_sync."""
    return run_job(_make_world)


def _make_world() -> dict:
    from bookings.services.booking import booking_request
    from community_rules.services import community_create

    seed_categories()
    owner = make_person("owner@example.org", "Owner Kim")
    moderator = make_person("moderator@example.org", "Moderator Choi")
    member = make_person("member@example.org", "Member Lee")
    community = community_create(actor=owner, name="Mangwon tool library")
    for person in (moderator, member):
        community_join(actor=person, community=community)
    membership_change(actor=owner, role=Membership.Role.MODERATOR,
                      membership=community.memberships.get(user=moderator))
    listing = make_listing(owner, title="Ladder")
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start.replace(hour=18))
    return {"member": member, "moderator": moderator, "community": community,
            "listing": listing, "booking": booking}


def session_token(site: str, email: str) -> str:
    answer = requests.post(f"{site}/_allauth/app/v1/auth/login",
                           json={"email": email, "password": PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["meta"]["session_token"]


def run_schemathesis(site: str, token: str, parameters: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory(prefix="nanum-schemathesis-") as folder:
        _run_in(Path(folder), site, token, parameters)


def _run_in(folder: Path, site: str, token: str, parameters: dict[str, object]) -> None:
    config = folder / "schemathesis.toml"
    # The path parameters every operation gets (a JSON string or number is
    # TOML as well).
    lines = ["[parameters]"] + [f'"path.{k}" = {json.dumps(v)}' for k, v in parameters.items()]
    config.write_text("\n".join(lines) + "\n")
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", f"{site}/api/schema/?format=json",
        "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
        # One worker: Hypothesis describes its filters with ast.parse, which
        # is not thread-safe on Python 3.11 (a SystemError now and then).
        "--phases", "examples,coverage,fuzzing", "--workers", "1",
        "--header", f"X-Session-Token: {token}", "--request-timeout", "30",
        "--seed", os.environ.get("NANUM_SCHEMATHESIS_SEED", "15"),
        "--no-color",
    ]
    # Run in the throwaway folder: schemathesis keeps its state (.schemathesis/)
    # where it runs, and each run should start from none.
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          timeout=900)
    print(done.stdout, done.stderr, sep="\n")
    summary = done.stdout[done.stdout.rfind("=== SUMMARY ==="):]
    assert done.returncode == 0, (
        f"schemathesis found failures (exit {done.returncode}; the failing cases are in "
        f"the captured output above):\n{summary}\n{done.stderr[-3000:]}")


def test_the_api_keeps_its_schema_for_a_member(live_site, world):
    token = session_token(live_site, world["member"].email)
    run_schemathesis(live_site, token, {})


def test_the_api_keeps_its_schema_for_a_moderator(live_site, world):
    token = session_token(live_site, world["moderator"].email)
    run_schemathesis(live_site, token, {
        "slug": world["community"].slug,
        "user_id": world["member"].pk,
    })
