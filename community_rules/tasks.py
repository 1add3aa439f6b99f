"""Community jobs on Huey's schedule: proposals close when their vote ends,
adopted changes apply at their effective date, and memberships are active
again once their suspension has ended."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from community_rules.governance import proposals_close_due
from community_rules.services import suspensions_end_due


@db_periodic_task(crontab(minute="*"))
@lock_task("community-proposals")
def close_due_proposals():
    proposals_close_due()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("community-suspensions")
def end_due_suspensions():
    suspensions_end_due()
