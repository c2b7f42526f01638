"""Placing cameras on nodes (pure): by cost and capacity, sticky, a dead node's cameras only moved,
drained nodes emptied, pins kept, what fits nowhere said."""

from __future__ import annotations

from gwanje.center.cluster.placement import BUDGET_PER_CAPACITY, DEFAULT_COST, place


def test_cameras_spread_by_cost_and_stay_where_they_are() -> None:
    cams = {f"c{i}": 200.0 for i in range(12)}
    first = place(cams, {"a": 1.0, "b": 1.0, "c": 1.0}, {})
    per_node = {n: sum(1 for v in first.where.values() if v == n) for n in "abc"}
    assert per_node == {"a": 4, "b": 4, "c": 4} and not first.unplaced and not first.moved
    # nothing changed: nothing moves; node b dies: only its cameras move
    assert place(cams, {"a": 1.0, "b": 1.0, "c": 1.0}, first.where).where == first.where
    after = place(cams, {"a": 1.0, "c": 1.0}, first.where)
    moved = {c for c in cams if after.where.get(c) != first.where[c]}
    assert moved == {c for c, n in first.where.items() if n == "b"}
    assert set(after.where.values()) == {"a", "c"} and not after.unplaced


def test_capacity_unmeasured_cameras_drain_and_pins() -> None:
    cams = {"big": 1500.0, "x": None, "y": None}
    out = place(cams, {"small": 0.5, "large": 2.0}, {})
    assert out.where["big"] == "large"  # 1500 ms/s does not fit a half node (800)
    assert DEFAULT_COST * 2 <= 0.5 * BUDGET_PER_CAPACITY  # so x and y fit the small one
    drained = place(cams, {"small": 0.5, "large": 2.0}, out.where, drained=frozenset({"large"}))
    assert "large" not in drained.where.values() and drained.unplaced == ("big",)
    pinned = place(cams, {"small": 0.5, "large": 2.0}, out.where, pinned={"x": "small"})
    assert pinned.where["x"] == "small"
    assert place({"c": 100.0}, {}, {}).unplaced == ("c",)
