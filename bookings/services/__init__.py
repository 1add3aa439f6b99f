"""Writes for bookings, one module per idea: booking.py (request and the
state machine), extension.py, waitlist.py, review.py, condition.py,
calendar.py, and jobs.py (what the task queue runs)."""
