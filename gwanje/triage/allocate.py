"""Filling the operators' walls from the cameras' priorities (a pure function of its inputs).

The operators' walls are filled first, then the supervisors'. Rules, in order:
1. A pinned tile stays. A tile younger than ``dwell_s`` stays while its camera is still worth
   showing (no flicker).
2. The other cameras worth showing (priority ≥ ``show_threshold``, not dismissed) are placed
   from the highest priority down, each on an operator it is eligible for (the operator's
   districts): its previous wall and tile when that has room (stability), else the least loaded
   wall (balance).
3. A camera that finds no free tile may take a young tile whose priority it exceeds
   ``preempt_ratio`` times (a clearly higher priority breaks the dwell).
4. A wall takes at most ``change_budget`` new cameras a minute (what a person can take in), the
   last ``change_reserve`` of them only for cameras at ``reserve_priority`` or above; urgent
   cameras (``urgent_priority`` or a life-safety type) come up regardless.
5. An operator's wall left empty while a camera of its districts has an open alert below the
   threshold shows the highest such camera (the wall is never empty while something needs eyes).
6. Supervisors' walls then take, by the same rules, the escalated cameras first (they stay on the
   operators' walls as well: escalation adds eyes, it takes none away), then the cameras worth
   showing that found no room on an operator's wall.
Hence every camera is on at most one operator's wall, no wall is over capacity, and outside the
dwell no eligible camera is left off an operator's wall while a lower one is shown (unless that
wall's budget is spent and the camera is not urgent). Ties break by camera id and operator order,
so the same input gives the same walls.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from gwanje.config import OperatorConfig, TriageConfig
from gwanje.triage.model import Dismissal, Priority, Tile, WallState


def _eligible(op: OperatorConfig, district: str) -> bool:
    """A wall shows the cameras of its operator's districts (all, when none are given)."""
    return not op.districts or district in op.districts


def is_urgent(p: Priority, cfg: TriageConfig) -> bool:
    """Urgent cameras come up at once, whatever the wall's change budget."""
    return p.value >= cfg.urgent_priority or (p.reason.kind == "event" and p.reason.type in cfg.urgent_types)


def active_dismissals(
    state: WallState, priorities: Mapping[str, Priority], now: float, cfg: TriageConfig
) -> dict[str, Dismissal]:
    """Dismissals still in force: not expired, and the camera's priority has not risen clearly."""
    out = {}
    for cam, d in state.dismissed.items():
        p = priorities.get(cam)
        if d.until > now and (p is None or p.value < d.priority * cfg.dismiss_rise):
            out[cam] = d
    return out


def allocate(
    state: WallState,
    priorities: Mapping[str, Priority],
    operators: Sequence[OperatorConfig],
    districts: Mapping[str, str],
    now: float,
    cfg: TriageConfig,
) -> WallState:
    dismissed = active_dismissals(state, priorities, now, cfg)
    staff = [op for op in operators if not op.supervisor]
    chiefs = [op for op in operators if op.supervisor]
    walls: dict[str, list[Tile | None]] = {}
    recent: dict[str, list[float]] = {}
    _fill(state, priorities, staff, districts, now, cfg, dismissed, walls, recent, lambda c: False)
    _standby(state, priorities, staff, districts, now, cfg, dismissed, walls, recent)
    on_staff = {t.camera_id for op in staff for t in walls[op.id] if t is not None}
    wanted = {c: p for c, p in priorities.items() if p.escalated or c not in on_staff}
    _fill(state, wanted, chiefs, districts, now, cfg, dismissed, walls, recent, lambda c: wanted[c].escalated)
    return WallState(
        MappingProxyType({op.id: tuple(walls[op.id]) for op in operators}),
        MappingProxyType(dismissed),
        MappingProxyType({op.id: tuple(recent[op.id]) for op in operators}),
    )


def _fill(
    state: WallState,
    priorities: Mapping[str, Priority],
    operators: Sequence[OperatorConfig],
    districts: Mapping[str, str],
    now: float,
    cfg: TriageConfig,
    dismissed: Mapping[str, Dismissal],
    walls: dict[str, list[Tile | None]],
    recent: dict[str, list[float]],
    first: Callable[[str], bool],
) -> None:
    """Rules 1-4 on these operators' walls (written into ``walls`` and ``recent``); cameras for
    which ``first`` is true are placed before the others."""

    def worth(cam: str) -> bool:
        p = priorities.get(cam)
        return p is not None and p.value >= cfg.show_threshold and cam not in dismissed

    def value(cam: str) -> float:
        p = priorities.get(cam)
        return p.value if p is not None else 0.0

    def rank(cam: str) -> tuple[bool, float, str]:  # ascending = placed first
        return (not first(cam), -value(cam), cam)

    previous: dict[str, tuple[str, int, Tile]] = {}  # camera → (operator, slot, tile) before
    placed: set[str] = set()
    for op in operators:
        old = list(state.walls.get(op.id, ()))[: op.tiles]
        wall: list[Tile | None] = [None] * op.tiles
        for slot, tile in enumerate(old):
            if tile is None or tile.camera_id in placed:
                continue
            previous[tile.camera_id] = (op.id, slot, tile)
            keep = tile.pinned or (
                worth(tile.camera_id)
                and now - tile.since < cfg.dwell_s
                and _eligible(op, districts.get(tile.camera_id, ""))
            )
            if keep:
                wall[slot] = tile
                placed.add(tile.camera_id)
        walls[op.id] = wall

    queue = sorted(rank(c) for c in priorities if c not in placed and worth(c))
    order = {op.id: i for i, op in enumerate(operators)}
    free = {op.id: walls[op.id].count(None) for op in operators}
    chosen: dict[str, list[str]] = {op.id: [] for op in operators}
    # an operator takes in only so many new cameras a minute: below the urgent level a wall
    # accepts new cameras up to its budget; urgent ones always come up (and count)
    for op in operators:
        recent[op.id] = [t for t in state.changes.get(op.id, ()) if now - t < 60.0]
    budget = {op.id: cfg.change_budget - len(recent[op.id]) for op in operators}
    k = 0
    while k < len(queue):
        cam = queue[k][2]
        k += 1
        p = priorities[cam]
        eligible = [op for op in operators if _eligible(op, districts.get(cam, ""))]
        urgent = is_urgent(p, cfg)
        # the last ``change_reserve`` changes of a budget wait for a clearly important camera
        # (trunk reservation): routine alarms cannot spend what a rare, serious one will need
        need = 1 if p.value >= cfg.reserve_priority else cfg.change_reserve + 1
        before = previous.get(cam)
        room = [
            op
            for op in eligible
            if free[op.id] > 0
            and (urgent or budget[op.id] >= need or (before is not None and before[0] == op.id))
        ]
        if room:
            target = next((op for op in room if before and op.id == before[0]), None)
            if target is None:  # the least loaded wall; ties spread by a hash of camera and operator
                target = min(
                    room, key=lambda op: (1 - free[op.id] / op.tiles, _spread(cam, op.id), order[op.id])
                )
            free[target.id] -= 1
            chosen[target.id].append(cam)
            if not (before and before[0] == target.id):
                budget[target.id] -= 1
            continue
        victim = _weakest_young_tile(
            [op for op in eligible if urgent or budget[op.id] >= need], walls, priorities, now, cfg
        )
        if victim is not None and value(victim[2]) * cfg.preempt_ratio < p.value:
            walls[victim[0]][victim[1]] = Tile(cam, now)
            budget[victim[0]] -= 1
            recent[victim[0]].append(now)
            placed.discard(victim[2])
            placed.add(cam)
            if worth(victim[2]):  # the displaced camera may still fit elsewhere, in its turn
                bisect.insort(queue, rank(victim[2]), lo=k)
    for op in operators:  # a camera back on its wall gets its own tile back: no change on screen
        wall = walls[op.id]
        newcomers = []
        for cam in chosen[op.id]:
            before = previous.get(cam)
            if before and before[0] == op.id and wall[before[1]] is None:
                wall[before[1]] = before[2]
            else:
                newcomers.append(cam)
        for cam in newcomers:
            wall[wall.index(None)] = Tile(cam, now)
            recent[op.id].append(now)


def _standby(
    state: WallState,
    priorities: Mapping[str, Priority],
    operators: Sequence[OperatorConfig],
    districts: Mapping[str, str],
    now: float,
    cfg: TriageConfig,
    dismissed: Mapping[str, Dismissal],
    walls: dict[str, list[Tile | None]],
    recent: dict[str, list[float]],
) -> None:
    """Rule 5: an empty wall shows its highest camera with an open alert, below the threshold
    too (the one it showed before, if still such a camera, keeps its tile and time)."""
    shown = {t.camera_id for op in operators for t in walls[op.id] if t is not None}
    for op in operators:
        wall = walls[op.id]
        if not wall or any(t is not None for t in wall):
            continue
        standby = sorted(
            (-p.value, c)
            for c, p in priorities.items()
            if p.reason.kind == "event"
            and p.value > 0
            and c not in shown
            and c not in dismissed
            and _eligible(op, districts.get(c, ""))
        )
        if not standby:
            continue
        old = {t.camera_id: (slot, t) for slot, t in enumerate(state.walls.get(op.id, ())[: op.tiles]) if t}
        cam = next((c for _, c in standby if c in old), standby[0][1])
        if cam in old:
            slot, tile = old[cam]
            wall[slot] = tile
        else:
            wall[0] = Tile(cam, now)
            recent[op.id].append(now)
        shown.add(cam)


def _spread(camera_id: str, operator_id: str) -> int:
    """A fixed pseudo-random rank, so equally loaded walls share the new cameras evenly."""
    return zlib.crc32(f"{camera_id}|{operator_id}".encode())


def _weakest_young_tile(
    operators: Sequence[OperatorConfig],
    walls: Mapping[str, list[Tile | None]],
    priorities: Mapping[str, Priority],
    now: float,
    cfg: TriageConfig,
) -> tuple[str, int, str] | None:
    """The lowest-priority unpinned tile still in its dwell on these operators' walls."""
    best: tuple[float, int, int, str, str] | None = None
    for i, op in enumerate(operators):
        for slot, tile in enumerate(walls[op.id]):
            if tile is None or tile.pinned or now - tile.since >= cfg.dwell_s:
                continue
            p = priorities.get(tile.camera_id)
            key = (p.value if p else 0.0, i, slot, op.id, tile.camera_id)
            if best is None or key < best:
                best = key
    return None if best is None else (best[3], best[2], best[4])


def pin(state: WallState, operator: str, camera_id: str, pinned: bool) -> WallState:
    """Pin or unpin a tile on the operator's wall (no change when the camera is not there)."""
    tiles = tuple(
        Tile(t.camera_id, t.since, pinned) if t is not None and t.camera_id == camera_id else t
        for t in state.walls.get(operator, ())
    )
    return WallState(MappingProxyType({**state.walls, operator: tiles}), state.dismissed, state.changes)


def dismiss(
    state: WallState, operator: str, camera_id: str, priority: float, now: float, cfg: TriageConfig
) -> WallState:
    """Take the camera off the operator's wall and keep it off every wall for ``dismiss_s``
    (or until its priority rises ``dismiss_rise`` times)."""
    tiles = tuple(
        None if t is not None and t.camera_id == camera_id else t for t in state.walls.get(operator, ())
    )
    dismissed = {**state.dismissed, camera_id: Dismissal(camera_id, now + cfg.dismiss_s, priority)}
    return WallState(
        MappingProxyType({**state.walls, operator: tiles}), MappingProxyType(dismissed), state.changes
    )


def hold(
    state: WallState, operator: str, cameras: Sequence[str], keep: Callable[[str], bool], now: float
) -> WallState:
    """Put ``cameras`` (in order) on the operator's wall, pinned: an operator following a person
    asked for them. Each takes an empty tile, else the tile of the lowest-placed camera that is not
    pinned and not among them (the wall's later tiles first); ``keep`` says which tiles must stay.
    Cameras already there are pinned where they are."""
    tiles = list(state.walls.get(operator, ()))
    wanted = list(dict.fromkeys(cameras))
    for cam in wanted:
        at = next((i for i, t in enumerate(tiles) if t is not None and t.camera_id == cam), None)
        if at is not None:
            if not tiles[at].pinned:  # type: ignore[union-attr]
                tiles[at] = Tile(cam, tiles[at].since, True)  # type: ignore[union-attr]
            continue
        free = next((i for i, t in enumerate(tiles) if t is None), None)
        if free is None:
            free = next(
                (
                    i
                    for i in range(len(tiles) - 1, -1, -1)
                    if tiles[i] is not None
                    and not tiles[i].pinned  # type: ignore[union-attr]
                    and tiles[i].camera_id not in wanted  # type: ignore[union-attr]
                    and not keep(tiles[i].camera_id)  # type: ignore[union-attr]
                ),
                None,
            )
        if free is None:
            continue  # every tile is pinned or kept: the wall has no room
        tiles[free] = Tile(cam, now, True)
    return WallState(
        MappingProxyType({**state.walls, operator: tuple(tiles)}), state.dismissed, state.changes
    )
