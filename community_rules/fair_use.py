"""Fair use: at most N days of loans per member in any 30 days.

A new loan is judged by the busiest window it touches: every window
[w, w + 30 days) that shares at least a moment with it, wherever it starts,
not only the 30 days before it ends or after it starts.
"""

from datetime import datetime, timedelta

Loan = tuple[datetime, datetime]

DAY = timedelta(days=1)
WINDOW = timedelta(days=30)


def _booked(loans: list[Loan], window_start: datetime, window_end: datetime) -> timedelta:
    total = timedelta(0)
    for start, end in loans:
        overlap = min(end, window_end) - max(start, window_start)
        if overlap > timedelta(0):
            total += overlap
    return total


def busiest_window_days(loans: list[Loan], new: Loan, window: timedelta = WINDOW) -> float:
    """The most days booked (the other loans plus the new one, in fractional
    days) inside any window [w, w + window) that touches the new loan.

    Overlapping loans each count: they are separate bookings. As the window
    slides, its booked time changes linearly between the moments where its
    start or end meets a loan's start or end, so the busiest window starts
    at one of those moments, or at either end of the range of windows that
    touch the new loan (both ends included: the count is continuous, so a
    window just touching the new loan is as busy as the one a moment
    further in).
    """
    new_start, new_end = new
    earliest, latest = new_start - window, new_end
    every = [*loans, new]
    starts = {earliest, latest}
    for start, end in every:
        for moment in (start, end):
            starts.update(w for w in (moment, moment - window) if earliest <= w <= latest)
    return max(_booked(every, w, w + window) for w in starts) / DAY
