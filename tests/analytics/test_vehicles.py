from datetime import UTC, datetime

import numpy as np
import supervision as sv

from gwanje.analytics.vehicles import VehicleRules
from gwanje.config import ParkingConfig, ZoneConfig

LOT = [(0, 0), (400, 0), (400, 300), (0, 300)]
CAR = (100, 100, 200, 160)


def tracks(*items):
    """items: (box, id, class name)."""
    if not items:
        return sv.Detections.empty()
    return sv.Detections(
        xyxy=np.array([i[0] for i in items], np.float32),
        confidence=np.ones(len(items), np.float32),
        class_id=np.zeros(len(items), int),
        tracker_id=np.array([i[1] for i in items]),
        data={"class_name": np.array([i[2] for i in items], dtype=object)},
    )


def run(rule, script, dt=1.0, wall=None):
    out, t = [], 0.0
    for seconds, items in script:
        for _ in range(round(seconds / dt)):
            rule.wall_time = wall
            out += [(h.type.value, h.phase, round(t)) for h in rule.update(tracks(*items), t)]
            t += dt
    return out


def test_a_car_still_in_a_no_parking_zone_is_reported_once_and_ends_when_it_leaves():
    rule = VehicleRules(
        ZoneConfig(name="bus stop", polygon=LOT, rules=["no_parking"]), ParkingConfig(no_parking_s=30)
    )
    hits = run(rule, [(40, [(CAR, 1, "car")]), (5, [])])
    assert hits == [("illegal_parking", "start", 30), ("illegal_parking", "end", 42)]


def test_a_car_creeping_along_is_not_parked():
    rule = VehicleRules(
        ZoneConfig(name="bus stop", polygon=LOT, rules=["no_parking"]), ParkingConfig(no_parking_s=30)
    )
    out, t = [], 0.0
    for i in range(60):
        box = (100 + 3 * i, 100, 200 + 3 * i, 160)  # 3 px a second: 0.03 widths
        out += rule.update(tracks((box, 1, "car")), t)
        t += 1.0
    assert out == []


def test_break_in_pattern_is_quicker_and_more_severe_at_night():
    zone = ZoneConfig(name="lot", polygon=LOT, rules=["parking"])
    config = ParkingConfig(parked_s=10, break_in_s=20, break_in_night_s=5)
    person = ((205, 90, 225, 160), 2, "person")  # right beside the car
    day = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 14:00 in Seoul
    night = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 02:00 in Seoul
    script = [(10, [(CAR, 1, "car")]), (30, [(CAR, 1, "car"), person])]
    assert run(VehicleRules(zone, config), script, wall=day) == [("car_break_in", "start", 30)]
    hits = run(VehicleRules(zone, config), script, wall=night)
    assert hits == [("car_break_in", "start", 15)]


def test_a_person_walking_past_parked_cars_is_not_a_break_in():
    zone = ZoneConfig(name="lot", polygon=LOT, rules=["parking"])
    rule = VehicleRules(zone, ParkingConfig(parked_s=10, break_in_s=20))
    out, t = [], 0.0
    for i in range(40):
        items = [(CAR, 1, "car")]
        if i >= 12:
            x = 20 + 30 * (i - 12)  # a walk: a car length in about 3 s
            items.append(((x, 90, x + 20, 160), 2, "person"))
        out += rule.update(tracks(*items), t)
        t += 1.0
    assert out == []
