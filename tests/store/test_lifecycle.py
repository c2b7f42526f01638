"""Every (state, action) pair: the allowed moves and the refused ones."""

from __future__ import annotations

import pytest

from gwanje.store.lifecycle import Action, IllegalTransition, Status, next_status

ALLOWED = {
    (Status.NEW, Action.ACKNOWLEDGE): Status.ACKNOWLEDGED,
    (Status.NEW, Action.FALSE_ALARM): Status.FALSE_ALARM,
    (Status.ACKNOWLEDGED, Action.DISPATCH): Status.DISPATCHED,
    (Status.ACKNOWLEDGED, Action.RESOLVE): Status.RESOLVED,
    (Status.ACKNOWLEDGED, Action.FALSE_ALARM): Status.FALSE_ALARM,
    (Status.DISPATCHED, Action.RESOLVE): Status.RESOLVED,
    (Status.DISPATCHED, Action.FALSE_ALARM): Status.FALSE_ALARM,
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_transition_table(status: Status, action: Action) -> None:
    if (status, action) in ALLOWED:
        assert next_status(status, action) == ALLOWED[(status, action)]
    else:
        with pytest.raises(IllegalTransition) as info:
            next_status(status, action)
        assert f"cannot {action.value} an alert that is {status.value}" in str(info.value)
