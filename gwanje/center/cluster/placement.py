"""Where each camera runs (pure): cameras on the nodes holding a lease, by measured cost and
declared capacity, keeping every placement that still stands (a camera moves only when its node
is gone or over its capacity). Costs are ms of analysis a second (ms per analysed frame × fps, as
the node measures it); a camera not measured yet counts ``DEFAULT_COST``. A node's budget is its
capacity × ``BUDGET_PER_CAPACITY`` (what a 2-core node takes)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_COST = 150.0  # ms of analysis a second: a busy camera at 5 fps on a 2-core node
BUDGET_PER_CAPACITY = 1600.0  # ms a second a 2-core node spends on analysis (80 % of two cores)


@dataclass(frozen=True)
class Placement:
    where: dict[str, str]  # camera → node
    unplaced: tuple[str, ...]  # no node had room
    moved: tuple[str, ...]  # cameras whose node changed


def place(
    cameras: dict[str, float | None],
    nodes: dict[str, float],
    current: dict[str, str],
    *,
    drained: frozenset[str] = frozenset(),
    pinned: dict[str, str] | None = None,
) -> Placement:
    """``cameras``: id → measured cost (None: not measured); ``nodes``: live node → capacity;
    ``current``: camera → node now; ``drained``: nodes to empty; ``pinned``: camera → the node it
    must run on (when that node is live)."""
    pinned = pinned or {}
    cost = {c: (v if v and v > 0 else DEFAULT_COST) for c, v in cameras.items()}
    budget = {n: cap * BUDGET_PER_CAPACITY for n, cap in nodes.items() if n not in drained}
    load = dict.fromkeys(budget, 0.0)
    where: dict[str, str] = {}
    # pins first, then what stays where it is (most expensive first, so the cheap ones move)
    for cam in sorted(cameras, key=lambda c: -cost[c]):
        node = pinned.get(cam)
        if node in budget:
            where[cam] = node
            load[node] += cost[cam]
    for cam in sorted(cameras, key=lambda c: -cost[c]):
        node = current.get(cam)
        if cam in where or node not in budget or load[node] + cost[cam] > budget[node]:
            continue
        where[cam] = node
        load[node] += cost[cam]
    unplaced = []
    for cam in sorted((c for c in cameras if c not in where), key=lambda c: (-cost[c], c)):
        room = {n: budget[n] - load[n] for n in budget if budget[n] - load[n] >= cost[cam]}
        if not room:
            unplaced.append(cam)
            continue
        node = max(sorted(room), key=lambda n: room[n])
        where[cam] = node
        load[node] += cost[cam]
    moved = tuple(sorted(c for c, n in where.items() if c in current and current[c] != n))
    return Placement(where, tuple(unplaced), moved)
