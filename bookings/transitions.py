"""The booking state machine as a table: action → (from states, to state, who).

Services apply a transition with a conditional UPDATE ... WHERE status IN
(from states), so of two simultaneous clicks only one can win.
"""

from dataclasses import dataclass

from bookings.models import Booking

S = Booking.Status

BORROWER = "borrower"
LENDER = "lender"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    actors: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    "approve": Transition((S.REQUESTED,), S.APPROVED, frozenset({LENDER})),
    "decline": Transition((S.REQUESTED,), S.DECLINED, frozenset({LENDER})),
    "expire": Transition((S.REQUESTED,), S.EXPIRED, frozenset({SYSTEM})),
    "cancel": Transition((S.REQUESTED, S.APPROVED, S.CONFIRMED), S.CANCELLED,
                         frozenset({BORROWER, LENDER})),
    # Payment done, or nothing to pay (free loans, cash at pickup).
    "confirm": Transition((S.APPROVED,), S.CONFIRMED, frozenset({SYSTEM})),
    # Approved but not paid by the deadline: the unit is freed.
    "lapse": Transition((S.APPROVED,), S.EXPIRED, frozenset({SYSTEM})),
    "pickup": Transition((S.CONFIRMED,), S.PICKED_UP, frozenset({LENDER})),
    "no_show": Transition((S.CONFIRMED,), S.NO_SHOW, frozenset({LENDER})),
    "return": Transition((S.PICKED_UP,), S.RETURNED, frozenset({LENDER})),
    "dispute": Transition((S.RETURNED,), S.DISPUTED, frozenset({BORROWER, LENDER})),
    # After the inspection window (system), or a dispute resolved (lender).
    "complete": Transition((S.RETURNED, S.DISPUTED), S.COMPLETED, frozenset({LENDER, SYSTEM})),
}

# What the API's POST /bookings/{id}/{action}/ accepts (shared/API.md).
PERSON_ACTIONS = ("approve", "decline", "cancel", "pickup", "return", "complete", "dispute",
                  "no_show")


def actions_for(*, status: str, sides: set[str]) -> list[str]:
    """The actions a person on `sides` (borrower and/or lender) may take now."""
    return [
        name for name, t in TRANSITIONS.items()
        if name in PERSON_ACTIONS and status in t.sources and t.actors & sides
    ]
