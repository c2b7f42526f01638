"""Weather as a reason to look: under heavy rain an underpass camera outranks an otherwise equal
camera and its tile says why; a rule's bad config is refused naming the key.

The heavy rain is KMA's real observation reply (../shared/data/weather_kma, 2023-06-26 09:00) with
its RN1 set to 23 mm and PTY to rain: the saved replies hold no heavy-rain hour."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from support.shared import SHARED

from gwanje.config import SiteConfig, TriageConfig, WeatherConfig
from gwanje.triage.model import ActiveEvent, CameraIndex, CameraInfo
from gwanje.triage.priority import priorities
from gwanje.weather.kma import observation, parse
from gwanje.weather.rules import raises

REPLY = SHARED / "weather_kma" / "ultrasrtncst_20230626_0900_nx55_ny127_raw.xml"


def heavy_rain():
    if not REPLY.exists():
        pytest.skip(f"{REPLY} missing")
    text = REPLY.read_text(encoding="utf-8")
    text = text.replace(
        "<category>RN1</category><nx>55</nx><ny>127</ny><obsrValue>0.5<",
        "<category>RN1</category><nx>55</nx><ny>127</ny><obsrValue>23<",
    )
    text = text.replace(
        "<category>PTY</category><nx>55</nx><ny>127</ny><obsrValue>0<",
        "<category>PTY</category><nx>55</nx><ny>127</ny><obsrValue>1<",
    )
    obs = observation(parse(text))
    assert obs.get("RN1") == 23 and obs.word() == "비"
    return obs


def test_heavy_rain_raises_the_underpass_and_says_why() -> None:
    obs = heavy_rain()
    rules = WeatherConfig().rules
    underpass = raises(obs, ["underpass"], rules)
    assert underpass is not None and underpass.caption == "강수 23mm/h · 지하차도"
    assert raises(obs, ["stairs"], rules) is None  # 23.6 °C and rain: not a slip hazard rule
    assert raises(observation(parse(REPLY.read_bytes())), ["underpass"], rules) is None  # 0.5 mm/h
    cfg = TriageConfig()
    index = CameraIndex([CameraInfo("under", 0, 0, "road"), CameraInfo("plain", 10, 0, "road")])
    events = [
        ActiveEvent(f"e-{cam}", cam, "loitering", "medium", 0.8, started_at=1000.0)
        for cam in ("under", "plain")
    ]
    weather = {"under": (underpass.weight, underpass.caption, obs.observed_at.timestamp())}
    p = priorities(index, events, now=1001.0, hour=12, cfg=cfg, weather=weather)
    assert p["under"].value > p["plain"].value
    alone = priorities(index, [], now=1001.0, hour=12, cfg=cfg, weather=weather)
    assert set(alone) == {"under"} and alone["under"].reason.kind == "weather"
    assert alone["under"].reason.detail == "강수 23mm/h · 지하차도"
    # a routine reason: above the show threshold, under the reserved changes and urgency
    assert cfg.show_threshold < alone["under"].value < cfg.reserve_priority < cfg.urgent_priority


def test_snow_or_frost_raises_stairs() -> None:
    obs = heavy_rain()
    cold = type(obs)(obs.nx, obs.ny, obs.observed_at, {**obs.values, "T1H": -2.0, "PTY": 0, "RN1": 0}, None)
    r = raises(cold, ["stairs"], WeatherConfig().rules)
    assert r is not None and r.caption == "눈·결빙 -2.0°C · 계단"


@pytest.mark.parametrize(
    ("weather", "key"),
    [
        ({"rules": [{"name": "비", "tags": ["underpass"]}]}, "weather.rules.0"),
        ({"rules": [{"name": "비", "tags": ["swamp"], "rn1_min": 5}]}, "weather.rules.0"),
        ({"stations": [{"name": "파리", "lat": 48.85, "lon": 2.35}]}, "weather.stations.0.lat"),
        ({"key_env": "my key"}, "weather.key_env"),
        ({"timeout_s": 0}, "weather.timeout_s"),
    ],
)
def test_bad_weather_config_names_the_key(weather: dict, key: str) -> None:
    with pytest.raises(ValidationError) as err:
        SiteConfig.model_validate({"weather": weather})
    assert key in str(err.value)


def test_unknown_camera_tag_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        SiteConfig.model_validate({"cameras": [{"id": "c", "url": "x.mp4", "location": {"tags": ["lake"]}}]})
    assert "cameras.0.location.tags" in str(err.value)


def test_weather_raised_cameras_wait_for_the_change_budget() -> None:
    """Twelve underpass cameras raised by the same downpour: a 16-tile wall takes them at the pace
    of the change budget, less the changes kept for serious alarms, like any routine reason."""
    from gwanje.config import OperatorConfig
    from gwanje.triage.allocate import allocate
    from gwanje.triage.model import WallState

    cfg = TriageConfig()
    cams = [CameraInfo(f"u{i}", i * 10.0, 0.0, "road") for i in range(12)]
    weather = {c.id: (1.0, "강수 23mm/h · 지하차도", 0.0) for c in cams}
    prios = priorities(CameraIndex(cams), [], now=100.0, hour=12, cfg=cfg, weather=weather)
    ops = [OperatorConfig(id="kim", tiles=16)]
    state = WallState.empty()
    shown = []
    for second in range(0, 181, 10):  # three minutes
        state = allocate(state, prios, ops, {}, 100.0 + second, cfg)
        shown.append(sum(t is not None for t in state.walls["kim"]))
    first_minute = cfg.change_budget - cfg.change_reserve
    assert shown[0] <= first_minute and max(shown[:6]) == first_minute  # 4 in the first minute
    assert shown[-1] == 12  # all up by the end, none pushed past the budget
