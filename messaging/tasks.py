"""The messaging jobs on Huey's schedule (see bookings/tasks.py); the work
is in messaging/notification_services.py, where tests call it directly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from messaging import notification_services


@db_periodic_task(crontab(minute="*/5"))
@lock_task("messaging-digest")
def send_notification_digests():
    notification_services.digest_send_due()
