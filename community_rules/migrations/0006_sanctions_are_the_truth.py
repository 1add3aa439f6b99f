"""Sanction rows become the one source of truth for suspensions and bans
(issue 14); a membership's status and `suspended_until` mirror the one in
force. Rows made before are brought in line, without losing any:

- a membership suspended (with an end still to come, or none) or banned
  by the members page had no Sanction row: it gets one, with the reason and
  the moderator of the status change that put it there;
- a suspension given from a report or by the late-return rules left the
  membership active: the membership now says suspended, until its end;
- a ban whose membership was since removed (removal lifts a ban) or is no
  longer banned is marked lifted; a ban given from a report to someone with
  no membership gets a banned membership, so the ban keeps them out.
"""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def bring_in_line(apps, schema_editor):
    Membership = apps.get_model("community_rules", "Membership")
    MembershipEvent = apps.get_model("community_rules", "MembershipEvent")
    Sanction = apps.get_model("community_rules", "Sanction")
    now = timezone.now()
    in_force = (Sanction.objects.filter(kind__in=["suspension", "ban"], lifted_at__isnull=True)
                .filter(Q(until__isnull=True) | Q(until__gt=now)))

    def why(membership, status):
        event = (MembershipEvent.objects.filter(community_id=membership.community_id,
                                                user_id=membership.user_id,
                                                to_value=status)
                 .order_by("-created_at", "-id").first())
        return (event.reason, event.actor_id) if event else ("", None)

    for membership in Membership.objects.filter(status__in=["suspended", "banned"]):
        kind = "ban" if membership.status == "banned" else "suspension"
        if kind == "suspension" and membership.suspended_until is not None \
                and membership.suspended_until <= now:
            continue  # over already: nothing is in force
        if in_force.filter(community_id=membership.community_id, user_id=membership.user_id,
                           kind=kind).exists():
            continue
        reason, actor_id = why(membership, membership.status)
        Sanction.objects.create(community_id=membership.community_id,
                                user_id=membership.user_id, kind=kind, reason=reason,
                                given_by_id=actor_id,
                                until=membership.suspended_until if kind == "suspension"
                                else None)

    for ban in in_force.filter(kind="ban"):
        membership = Membership.objects.filter(community_id=ban.community_id,
                                               user_id=ban.user_id).first()
        if membership is None and not MembershipEvent.objects.filter(
                community_id=ban.community_id, user_id=ban.user_id,
                action="removed").exists():
            Membership.objects.create(community_id=ban.community_id, user_id=ban.user_id,
                                      role="member", status="banned")
        elif membership is None or membership.status != "banned":
            Sanction.objects.filter(pk=ban.pk).update(lifted_at=now)

    for suspension in in_force.filter(kind="suspension").order_by("until"):
        membership = Membership.objects.filter(community_id=suspension.community_id,
                                               user_id=suspension.user_id,
                                               status__in=["active", "suspended"]).first()
        if membership is None:
            continue  # joining again puts the suspension on the membership
        ends = [s.until for s in in_force.filter(kind="suspension",
                                                 community_id=suspension.community_id,
                                                 user_id=suspension.user_id)]
        until = None if None in ends else max(ends)
        if (membership.status, membership.suspended_until) != ("suspended", until):
            Membership.objects.filter(pk=membership.pk).update(status="suspended",
                                                               suspended_until=until)


class Migration(migrations.Migration):
    """Data only: the Sanction columns come in 0005 (PostgreSQL builds their
    index and foreign key at the end of that migration, before any row is
    written here)."""

    dependencies = [
        ('community_rules', '0005_sanction_lifted'),
    ]

    operations = [
        migrations.RunPython(bring_in_line, migrations.RunPython.noop),
    ]
