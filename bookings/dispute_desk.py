"""Where a booking's dispute goes: to the complaint desk that moderation
provides when it loads (moderation/apps.py), which opens a complaint at its
first tier. Bookings stands below moderation and only asks through here."""


def _nowhere(booking, *, actor, note: str) -> None:
    return None


_desk = _nowhere


def provide(desk) -> None:
    """`desk(booking, *, actor, note)` is called inside the transaction that
    moved the booking to disputed."""
    global _desk
    _desk = desk


def open_case(booking, *, actor, note: str) -> None:
    _desk(booking, actor=actor, note=note)
