"""Wall allocation: properties over generated states (hypothesis) and the behaviours an operator
sees (dwell, preemption, pin, dismiss, escalation, districts)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gwanje.config import OperatorConfig, TriageConfig
from gwanje.triage.allocate import _eligible, active_dismissals, allocate, dismiss, is_urgent, pin
from gwanje.triage.model import Priority, Reason, WallState

CFG = TriageConfig()
CONFIGS = [
    CFG,
    TriageConfig(change_budget=60),
    TriageConfig(change_budget=1, change_reserve=0, urgent_priority=10),
    TriageConfig(change_budget=1, change_reserve=0, urgent_priority=10, urgent_types=["loitering"]),
    TriageConfig(change_budget=3, change_reserve=2, reserve_priority=8, urgent_priority=15),
]
DISTRICTS = ["north", "south", "east"]


def prio(cam: str, value: float, escalated: bool = False) -> Priority:
    return Priority(cam, value, Reason("event", 0.0, "loitering"), escalated)


@st.composite
def situations(draw):
    n = draw(st.integers(1, 40))
    cams = [f"c{i:02d}" for i in range(n)]
    districts = {c: draw(st.sampled_from(DISTRICTS)) for c in cams}
    ops = []
    for i in range(draw(st.integers(1, 5))):
        ops.append(
            OperatorConfig(
                id=f"op{i}",
                tiles=draw(st.integers(1, 9)),
                districts=draw(st.lists(st.sampled_from(DISTRICTS), max_size=2, unique=True)),
                supervisor=draw(st.booleans()) if i else False,
            )
        )
    values = st.floats(0, 20, allow_nan=False)

    def priorities():
        chosen = draw(st.lists(st.sampled_from(cams), unique=True, max_size=n))
        return {c: prio(c, draw(values), draw(st.booleans())) for c in chosen}

    first, second = priorities(), priorities()
    t0 = 1000.0
    state = allocate(WallState.empty(), first, ops, districts, t0, CFG)
    for op in ops:  # the operators pin and dismiss some tiles
        for tile in state.walls[op.id]:
            if tile is not None and draw(st.integers(0, 5)) == 0:
                state = pin(state, op.id, tile.camera_id, True)
            elif tile is not None and draw(st.integers(0, 5)) == 0:
                state = dismiss(state, op.id, tile.camera_id, first[tile.camera_id].value, t0, CFG)
    now = t0 + draw(st.sampled_from([0.5, 5.0, 9.9, 10.0, 30.0, 200.0]))
    return state, second, ops, districts, now, draw(st.sampled_from(CONFIGS))


def _worth(cam, priorities, dismissed, cfg=CFG) -> bool:
    p = priorities.get(cam)
    return p is not None and p.value >= cfg.show_threshold and cam not in dismissed


@settings(max_examples=300, deadline=None)
@given(situations())
def test_allocation_properties(situation) -> None:
    before, priorities, ops, districts, now, cfg = situation
    after = allocate(before, priorities, ops, districts, now, cfg)
    # the same input gives the same walls
    assert after == allocate(before, priorities, ops, districts, now, cfg)
    staff = [op for op in ops if not op.supervisor]
    chiefs = [op for op in ops if op.supervisor]
    on_staff = [t.camera_id for op in staff for t in after.walls[op.id] if t is not None]
    on_chiefs = [t.camera_id for op in chiefs for t in after.walls[op.id] if t is not None]
    # no camera on two operators' walls, nor on two supervisors'; a supervisor's camera is
    # escalated (it may be on an operator's wall too) or on no operator's wall
    assert len(on_staff) == len(set(on_staff)) and len(on_chiefs) == len(set(on_chiefs))
    pinned = {t.camera_id for op in ops for t in before.walls.get(op.id, ()) if t is not None and t.pinned}
    for cam in set(on_chiefs) & set(on_staff):
        assert cam in pinned or priorities[cam].escalated
    for op in ops:
        # no wall over (or under) its size
        assert len(after.walls[op.id]) == op.tiles
    dismissed = active_dismissals(before, priorities, now, cfg)
    # pinned tiles stay where they were
    for op in ops:
        for slot, tile in enumerate(before.walls.get(op.id, ())):
            if tile is not None and tile.pinned:
                assert after.walls[op.id][slot] == tile
    for group, candidates in (
        (staff, set(priorities)),
        (chiefs, {c for c, p in priorities.items() if p.escalated or c not in on_staff}),
    ):
        shown = on_staff if group is staff else on_chiefs
        for op in group:
            new_here = [t for t in after.walls[op.id] if t is not None and t.since == now]
            recent = [t for t in after.changes.get(op.id, ()) if now - t < 60]
            tiles = [t for t in after.walls[op.id] if t is not None]
            # an operator's wall with nothing else on it shows one camera with an open alert,
            # whatever the budget (rule 5)
            standby = tiles if group is staff and len(tiles) == 1 and tiles[0] in new_here else []
            # the budget of new cameras a minute holds, urgent cameras and the one standby camera
            # of an empty wall apart, and its reserve is kept for cameras at the reserve priority
            ordinary = [
                t for t in new_here if not is_urgent(priorities[t.camera_id], cfg) and t not in standby
            ]
            left = cfg.change_budget - (len(recent) - len(new_here))
            assert len(ordinary) <= max(0, left)
            minor = [t for t in ordinary if priorities[t.camera_id].value < cfg.reserve_priority]
            assert len(minor) <= max(0, left - cfg.change_reserve)

            def spent(c: str, changed: int = len(recent)) -> bool:
                reserve = 0 if priorities[c].value >= cfg.reserve_priority else cfg.change_reserve
                return not is_urgent(priorities[c], cfg) and changed >= cfg.change_budget - reserve

            for tile in tiles:
                if tile.pinned:
                    continue
                # only cameras worth showing are shown, each on a wall it belongs to; an
                # operator's wall that has nothing else shows one camera with an open alert
                worth = _worth(tile.camera_id, priorities, dismissed, cfg)
                assert worth or (group is staff and len(tiles) == 1 and priorities[tile.camera_id].value > 0)
                assert _eligible(op, districts[tile.camera_id])
            unshown = [
                c
                for c in candidates
                if c not in shown
                and _worth(c, priorities, dismissed, cfg)
                and _eligible(op, districts[c])
                and not spent(c)
            ]
            if group is staff and not tiles:
                # an empty operator's wall: no camera of its districts has an open alert to show
                assert not [
                    c
                    for c, p in priorities.items()
                    if p.value > 0
                    and c not in on_staff
                    and c not in dismissed
                    and _eligible(op, districts[c])
                ]
            if not unshown:
                continue
            best_unshown = max(priorities[c].value for c in unshown)
            # no free tile while an eligible camera worth showing is left off
            assert None not in after.walls[op.id]
            # outside the dwell, a higher-priority camera is never left off while a lower one is
            # shown (on a supervisor's wall, escalated ones come first)
            for tile in after.walls[op.id]:
                if tile.pinned or now - tile.since < cfg.dwell_s:
                    continue
                if group is chiefs and priorities[tile.camera_id].escalated:
                    continue
                assert priorities[tile.camera_id].value >= best_unshown


OPS = [OperatorConfig(id="kim", tiles=2), OperatorConfig(id="lee", tiles=2)]


def test_highest_first_and_balanced() -> None:
    p = {c: prio(c, v) for c, v in [("a", 9), ("b", 8), ("c", 7), ("d", 6), ("e", 5), ("f", 0.2)]}
    state = allocate(WallState.empty(), p, OPS, {}, 0.0, CFG)
    walls = {op: {t.camera_id for t in tiles} for op, tiles in state.walls.items()}
    assert walls["kim"] | walls["lee"] == {"a", "b", "c", "d"}  # e waits, f is below the threshold
    assert len(walls["kim"]) == len(walls["lee"]) == 2


def test_dwell_then_replacement_and_clear_preemption() -> None:
    state = allocate(WallState.empty(), {"a": prio("a", 3), "b": prio("b", 3)}, OPS[:1], {}, 0.0, CFG)
    busier = {"a": prio("a", 3), "b": prio("b", 3), "c": prio("c", 4)}
    assert allocate(state, busier, OPS[:1], {}, 5.0, CFG) == state  # 4 is not clearly above 3: dwell holds
    later = allocate(state, busier, OPS[:1], {}, 10.0, CFG)
    assert [t.camera_id for t in later.walls["kim"]] == ["a", "c"]  # one tile changes; "a" keeps its tile
    fire = {"a": prio("a", 3), "b": prio("b", 2), "c": prio("c", 9)}
    pre = allocate(state, fire, OPS[:1], {}, 5.0, CFG)
    assert [t.camera_id for t in pre.walls["kim"]] == ["a", "c"]  # 9 > 1.5 × 2: breaks b's dwell


def test_unchanged_camera_keeps_its_tile_and_time() -> None:
    p = {"a": prio("a", 3)}
    first = allocate(WallState.empty(), p, OPS[:1], {}, 0.0, CFG)
    again = allocate(first, p, OPS[:1], {}, 60.0, CFG)
    assert again.walls["kim"][0].since == 0.0


def test_pin_keeps_a_quiet_camera_and_dismiss_hides_it() -> None:
    p = {"a": prio("a", 3), "b": prio("b", 3)}
    state = pin(allocate(WallState.empty(), p, OPS[:1], {}, 0.0, CFG), "kim", "a", True)
    quiet = allocate(state, {"b": prio("b", 3)}, OPS[:1], {}, 100.0, CFG)
    assert quiet.walls["kim"][0].camera_id == "a" and quiet.walls["kim"][0].pinned
    gone = dismiss(quiet, "kim", "b", 3.0, 100.0, CFG)
    assert "b" not in allocate(gone, {"b": prio("b", 3)}, OPS, {}, 101.0, CFG).shown()
    assert "b" in allocate(gone, {"b": prio("b", 5)}, OPS, {}, 101.0, CFG).shown()  # rose 1.5×
    assert "b" in allocate(gone, {"b": prio("b", 3)}, OPS, {}, 100.0 + CFG.dismiss_s, CFG).shown()


def test_escalated_cameras_reach_a_supervisor_in_addition_and_districts_are_respected() -> None:
    ops = [
        OperatorConfig(id="kim", tiles=4, districts=["north"]),
        OperatorConfig(id="lee", tiles=4, districts=["south"]),
        OperatorConfig(id="boss", tiles=4, supervisor=True),
    ]
    districts = {"n1": "north", "s1": "south", "s2": "south"}
    p = {"n1": prio("n1", 3), "s1": prio("s1", 3), "s2": prio("s2", 4, escalated=True)}
    state = allocate(WallState.empty(), p, ops, districts, 0.0, CFG)
    walls = {op: {t.camera_id for t in tiles if t} for op, tiles in state.walls.items()}
    # escalation adds the supervisor's eyes; the operator keeps the camera on the wall
    assert walls == {"kim": {"n1"}, "lee": {"s1", "s2"}, "boss": {"s2"}}


def test_supervisors_take_what_the_operators_have_no_room_for_and_all_when_alone() -> None:
    ops = [OperatorConfig(id="kim", tiles=1), OperatorConfig(id="boss", tiles=4, supervisor=True)]
    p = {"a": prio("a", 5), "b": prio("b", 3)}
    state = allocate(WallState.empty(), p, ops, {}, 0.0, CFG)
    assert {o: [t.camera_id for t in w if t] for o, w in state.walls.items()} == {"kim": ["a"], "boss": ["b"]}
    alone = allocate(WallState.empty(), p, ops[1:], {}, 0.0, CFG)
    assert sorted(t.camera_id for t in alone.walls["boss"] if t) == ["a", "b"]


def test_a_wall_is_never_empty_while_an_open_alert_waits() -> None:
    """An acknowledged alert, long ended, is below the threshold: the empty wall shows it all
    the same, keeps it steady, and gives its tile up to a camera worth showing."""
    quiet = {"a": prio("a", 0.1), "b": prio("b", 0.05)}
    state = allocate(WallState.empty(), quiet, OPS[:1], {}, 0.0, CFG)
    assert [t.camera_id if t else None for t in state.walls["kim"]] == ["a", None]
    again = allocate(state, quiet, OPS[:1], {}, 100.0, CFG)
    assert again.walls["kim"][0].since == 0.0  # the same camera, no change on screen
    busy = allocate(again, {**quiet, "c": prio("c", 3)}, OPS[:1], {}, 101.0, CFG)
    assert [t.camera_id for t in busy.walls["kim"] if t] == ["c"]
    # an incident or an offline camera alone does not make a standby camera: only open alerts
    offline = {"d": Priority("d", 0.2, Reason("offline", 0.0))}
    assert allocate(WallState.empty(), offline, OPS[:1], {}, 0.0, CFG).walls["kim"] == (None, None)


def test_budget_keeps_its_last_changes_for_a_serious_camera() -> None:
    cfg = TriageConfig(change_budget=3, change_reserve=1, reserve_priority=2.0, urgent_priority=10)
    wide = [OperatorConfig(id="kim", tiles=9)]
    state = allocate(WallState.empty(), {"a": prio("a", 1.0)}, wide, {}, 0.0, cfg)
    state = allocate(state, {"a": prio("a", 1.0), "b": prio("b", 1.0)}, wide, {}, 1.0, cfg)
    assert state.shown().keys() == {"a", "b"}  # two of three changes spent
    routine = {"a": prio("a", 1.0), "b": prio("b", 1.0), "c": prio("c", 1.5)}
    later = allocate(state, routine, wide, {}, 2.0, cfg)
    assert "c" not in later.shown()  # the last change is kept, although tiles are free
    serious = {**routine, "d": prio("d", 2.5)}
    later = allocate(later, serious, wide, {}, 3.0, cfg)
    assert "d" in later.shown() and "c" not in later.shown()
    assert "c" in allocate(later, serious, wide, {}, 61.0, cfg).shown()  # the minute has passed


def test_reserve_must_leave_room_in_the_budget() -> None:
    with pytest.raises(ValueError, match="change_reserve"):
        TriageConfig(change_budget=2, change_reserve=2)
