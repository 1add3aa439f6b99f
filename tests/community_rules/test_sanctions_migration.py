"""Suspensions and bans made before the Sanction rows were their one source
of truth are brought in line by community_rules 0005, none lost: a
members-page suspension or ban gets its Sanction row, a report's
suspension shows on the membership, a ban since lifted by removal is
lifted, and a ban of someone with no membership keeps them out."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("community_rules", "0004_moderation_moves_out")]


def _old_apps():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    state = [node for node in executor.loader.graph.leaf_nodes()
             if node[0] not in ("community_rules", "listings")]
    return executor.loader.project_state(state + BEFORE).apps


def test_suspensions_and_bans_made_before_are_in_line_after():
    old = _old_apps()
    User = old.get_model("accounts", "User")
    Community = old.get_model("community_rules", "Community")
    Membership = old.get_model("community_rules", "Membership")
    Event = old.get_model("community_rules", "MembershipEvent")
    Sanction = old.get_model("community_rules", "Sanction")
    now = timezone.now()
    owner, paged, banned, reported, stranger, removed = (
        User.objects.create(email=f"{name}@example.org") for name in (
            "owner", "paged", "banned", "reported", "stranger", "removed"))
    library = Community.objects.create(name="Library", slug="library")
    until = now + timedelta(days=4)
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=paged, status="suspended",
                              suspended_until=until)
    Event.objects.create(community=library, user=paged, actor=owner, action="status_changed",
                         from_value="active", to_value="suspended", reason="Late")
    Membership.objects.create(community=library, user=banned, status="banned")
    Membership.objects.create(community=library, user=reported, status="active")
    Sanction.objects.create(community=library, user=reported, kind="suspension",
                            reason="Kept it", until=until + timedelta(days=1))
    Sanction.objects.create(community=library, user=stranger, kind="ban", reason="Spam")
    Membership.objects.create(community=library, user=removed, status="active")
    Sanction.objects.create(community=library, user=removed, kind="ban", reason="Theft")
    Event.objects.create(community=library, user=removed, actor=owner, action="removed",
                         from_value="banned")

    call_command("migrate", verbosity=0)

    from accounts.models import User as Person
    from community_rules import policy
    from community_rules.models import Community as Place
    from community_rules.models import Membership as Now

    def in_force(user_id):
        sanction = policy.sanction_in_force(community=Place.objects.get(pk=library.pk),
                                            user=Person.objects.get(pk=user_id))
        return sanction and (sanction.kind, sanction.reason, sanction.until,
                             sanction.given_by_id)

    assert in_force(paged.pk) == ("suspension", "Late", until, owner.pk)
    assert in_force(banned.pk) == ("ban", "", None, None)
    assert in_force(reported.pk) == ("suspension", "Kept it", until + timedelta(days=1), None)
    mirrored = Now.objects.get(user_id=reported.pk)
    assert (mirrored.status, mirrored.suspended_until) == ("suspended",
                                                           until + timedelta(days=1))
    assert in_force(stranger.pk)[0] == "ban"
    assert Now.objects.get(user_id=stranger.pk).status == "banned"
    assert not in_force(removed.pk)
    assert Now.objects.get(user_id=removed.pk).status == "active"
