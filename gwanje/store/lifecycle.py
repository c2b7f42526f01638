"""An alert's lifecycle, as data: which action moves it from which states to which.

new → acknowledged → dispatched (police, fire, another agency) → resolved; an acknowledged
alert may be resolved without dispatch; any open alert may be marked a false alarm. A new hit
that calls for it re-raises an acknowledged alert (back to new: ``alerts.reraise``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    RESOLVE = "resolve"
    FALSE_ALARM = "false_alarm"


OPEN = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED})
MOVES: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.NEW}), Status.ACKNOWLEDGED),
    Action.DISPATCH: (frozenset({Status.ACKNOWLEDGED}), Status.DISPATCHED),
    Action.RESOLVE: (frozenset({Status.ACKNOWLEDGED, Status.DISPATCHED}), Status.RESOLVED),
    Action.FALSE_ALARM: (OPEN, Status.FALSE_ALARM),
}


@dataclass(frozen=True)
class IllegalTransition(Exception):
    action: Action
    status: Status

    def __str__(self) -> str:
        allowed = ", ".join(sorted(MOVES[self.action][0]))
        return f"cannot {self.action.value} an alert that is {self.status.value} (only from: {allowed})"


def next_status(status: Status, action: Action) -> Status:
    sources, target = MOVES[action]
    if status not in sources:
        raise IllegalTransition(action, status)
    return target
