"""The accounts jobs on Huey's schedule (see bookings/tasks.py); the work is
in accounts/designation_services.py, where tests call it directly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from accounts import designation_services


@db_periodic_task(crontab(minute="5", hour="9"))
@lock_task("designation-reminders")
def remind_designations_ending():
    """Once a day: companies whose designation ends within a month (each told once)."""
    designation_services.designation_reminders_send()
