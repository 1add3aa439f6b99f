"""Community jobs on Huey's schedule: proposals close when their vote ends,
and adopted changes apply at their effective date."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from community_rules.governance import proposals_close_due
from community_rules.moderation import complaints_escalate_due


@db_periodic_task(crontab(minute="*"))
@lock_task("community-proposals")
def close_due_proposals():
    proposals_close_due()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("community-complaints")
def escalate_due_complaints():
    complaints_escalate_due()
