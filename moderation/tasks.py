"""Moderation jobs on Huey's schedule: complaints not settled in time climb
to the next tier."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from moderation.services import complaints_escalate_due


@db_periodic_task(crontab(minute="*/15"))
@lock_task("community-complaints")
def escalate_due_complaints():
    complaints_escalate_due()
