"""The bookings jobs on Huey's schedule (SQLite storage embedded, Redis at
scale); `make run` starts a worker. The work itself is in
bookings/services/jobs.py, where tests call it directly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from bookings.services import calendar, jobs, review


@db_periodic_task(crontab(minute="*/5"))
@lock_task("bookings-expire")
def expire_unanswered_requests():
    jobs.expire_unanswered_requests()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("bookings-remind")
def send_reminders():
    jobs.send_reminders()


@db_periodic_task(crontab(minute="*/10"))
@lock_task("bookings-overdue")
def flag_overdue():
    jobs.flag_overdue()


@db_periodic_task(crontab(minute="7"))
@lock_task("bookings-complete")
def complete_after_inspection():
    jobs.complete_after_inspection()


@db_periodic_task(crontab(minute="*/30"))
@lock_task("bookings-calendar-import")
def refresh_calendar_imports():
    calendar.calendar_imports_refresh_all()


@db_periodic_task(crontab(minute="15", hour="*/6"))
@lock_task("bookings-reviews")
def publish_reviews():
    review.reviews_publish_closed_windows()
