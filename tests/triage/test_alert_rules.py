"""The pure alarm-management rules: which hit joins an open alert, which re-raises it."""

from __future__ import annotations

import pytest

from gwanje.config import AlertsConfig
from gwanje.triage.alerts import Hit, OpenAlert, joins, reraises

CFG = AlertsConfig(quiet_s=120, quiet_by_type={"tamper": 600})


@pytest.mark.parametrize(
    ("open_hits", "last_at", "hit_type", "at", "expected"),
    [
        (1, 0.0, "intrusion", 10_000.0, True),  # still going on: joins however long ago it began
        (0, 100.0, "intrusion", 220.0, True),  # quiet for exactly the period
        (0, 100.0, "intrusion", 220.5, False),  # quiet for longer: a new alert
        (0, 100.0, "tamper", 650.0, True),  # the type's own quiet period
        (0, 100.0, "tamper", 701.0, False),
    ],
)
def test_joins(open_hits, last_at, hit_type, at, expected) -> None:
    alert = OpenAlert("new", "high", open_hits, last_at)
    assert joins(alert, Hit(hit_type, "high", at, {}), CFG) is expected


@pytest.mark.parametrize(
    ("status", "alert_severity", "hit", "why"),
    [
        ("new", "medium", Hit("intrusion", "critical", 0, {}), None),  # only acknowledged alerts re-raise
        ("dispatched", "medium", Hit("fire", "critical", 0, {}), None),  # the agency has it
        ("acknowledged", "high", Hit("intrusion", "high", 0, {}), None),
        ("acknowledged", "medium", Hit("intrusion", "high", 0, {}), "severity medium → high"),
        ("acknowledged", "critical", Hit("fall", "high", 0, {}), "new fall"),
        ("acknowledged", "critical", Hit("crowd", "critical", 0, {"level": "warning"}), None),
        ("acknowledged", "critical", Hit("crowd", "critical", 0, {"level": "danger"}), "crowd danger"),
    ],
)
def test_reraises(status, alert_severity, hit, why) -> None:
    assert reraises(OpenAlert(status, alert_severity, 1, 0.0), hit, CFG) == why


def test_recorded_only_below_the_alerting_severity() -> None:
    assert [s for s in ("info", "low", "medium", "high", "critical") if CFG.alerts_on(s)] == [
        "medium",
        "high",
        "critical",
    ]
    assert AlertsConfig(min_severity="info").alerts_on("info")
