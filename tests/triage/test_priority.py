"""Camera priority: each term moves it the way an operator would expect."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from gwanje.config import TriageConfig
from gwanje.triage.model import ActiveEvent, Boost, CameraIndex, CameraInfo, to_metres
from gwanje.triage.priority import false_alarm_factor, kind_factor, priorities, routine_factor

CFG = TriageConfig()
INDEX = CameraIndex(
    [
        CameraInfo("alley", 0.0, 0.0, kind="alley"),
        CameraInfo("school", 100.0, 0.0, kind="school", zone_kinds=MappingProxyType({"gate": "school"})),
        CameraInfo("road", 1000.0, 0.0, kind="road"),
        CameraInfo("nowhere"),
    ]
)


def ev(cam: str, type: str = "loitering", severity: str = "medium", **kw) -> ActiveEvent:
    return ActiveEvent(
        id=f"{cam}-{type}", camera_id=cam, type=type, severity=severity, confidence=1.0, started_at=0.0, **kw
    )


def value(events, **kw) -> dict[str, float]:
    return {
        c: round(p.value, 4)
        for c, p in priorities(INDEX, events, cfg=CFG, **{"now": 10.0, "hour": 14, **kw}).items()
    }


def test_only_cameras_with_a_reason_get_a_priority() -> None:
    assert value([]) == {}
    assert set(value([ev("road")])) == {"road"}


def test_severity_and_type_order_fire_above_loitering() -> None:
    v = value([ev("road", "fire", "critical"), ev("alley", "loitering", "medium")])
    assert v["road"] > v["alley"]


def test_night_raises_alleys_and_school_hours_raise_schools() -> None:
    assert kind_factor("alley", 23, CFG) > kind_factor("alley", 14, CFG)
    assert kind_factor("school", 10, CFG) > kind_factor("school", 20, CFG)
    day, night = value([ev("alley")], hour=14)["alley"], value([ev("alley")], hour=2)["alley"]
    assert night == pytest.approx(day * CFG.night_factor["alley"])


def test_ended_events_decay_and_acknowledged_ones_count_less() -> None:
    live = value([ev("road")])["road"]
    ended = value([ev("road", ended_at=10.0 - CFG.half_life_s)])["road"]
    acked = value([ev("road", acknowledged=True)])["road"]
    assert ended == pytest.approx(live / 2) and acked == pytest.approx(live * CFG.acknowledged_factor)


def test_false_alarm_history_discounts_that_rule_only() -> None:
    assert false_alarm_factor(0, 0, CFG) == 1.0
    assert false_alarm_factor(1, 1, CFG) > 0.8  # one mark on one event is not a history
    assert false_alarm_factor(95, 100, CFG) == pytest.approx(max(CFG.false_alarm_floor, 1 - 95 / 105))
    fa = {("road", "loitering"): (40, 50)}
    v = value([ev("road"), ev("alley")], false_alarms=fa)
    assert v["road"] < v["alley"] and value([ev("road", "fire")], false_alarms=fa)["road"] > v["road"]


def test_a_rule_that_fires_all_the_time_on_a_camera_counts_less_there() -> None:
    assert routine_factor(0, CFG) == routine_factor(1, CFG) == 1.0  # its own event is not a history
    assert routine_factor(1 + int(CFG.routine_per_window), CFG) == pytest.approx(0.5)
    assert routine_factor(10_000, CFG) == CFG.routine_floor
    assert routine_factor(50, TriageConfig(routine_per_window=0)) == 1.0  # off
    busy = {("road", "loitering"): 9}
    v = value([ev("road"), ev("alley")], recent=busy)
    assert v["road"] == pytest.approx(value([ev("road")])["road"] * routine_factor(9, CFG))
    assert v["alley"] == value([ev("alley")])["alley"]  # another camera's rate does not count
    assert value([ev("road", "fire")], recent=busy)["road"] == value([ev("road", "fire")])["road"]


def test_incident_boost_falls_with_distance_and_expires() -> None:
    b = Boost("call-1", 0.0, 0.0, radius_m=200.0, until=60.0, note="112 신고")
    v = value([], boosts=[b])
    assert v == {"alley": CFG.boost_weight, "school": CFG.boost_weight * 0.5}
    assert value([], boosts=[b], now=61.0) == {}
    p = priorities(INDEX, [], now=10.0, hour=14, cfg=CFG, boosts=[b])["school"]
    assert p.reason.kind == "incident" and p.reason.detail == "112 신고"


def test_offline_camera_counts_after_a_while_by_its_zone() -> None:
    assert value([], offline_since={"school": 0.0}) == {}
    v = value([], offline_since={"school": 0.0, "road": 0.0}, now=100.0)
    assert v["school"] > v["road"] > 0


def test_zone_kind_of_the_event_applies_and_reason_names_it() -> None:
    e = ActiveEvent("e1", "school", "loitering", "medium", 0.9, 3.0, zone="gate", detail="14 s")
    p = priorities(INDEX, [e], now=10.0, hour=9, cfg=CFG)["school"]
    assert (p.reason.type, p.reason.zone, p.reason.since, p.reason.event_id) == (
        "loitering",
        "gate",
        3.0,
        "e1",
    )


def test_lat_lon_to_metres() -> None:
    x, y = to_metres(37.1464, 127.0669, (37.1454, 127.0669))
    assert x == pytest.approx(0.0) and y == pytest.approx(111.3, abs=0.1)
