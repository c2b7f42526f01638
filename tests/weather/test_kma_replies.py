"""KMA's real replies (../shared/data/weather_kma: XML and JSON, whole and items-only, error
replies) read into values; anything else is a KmaError, never another exception."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.shared import SHARED

from gwanje.weather.kma import KST, KmaError, forecast_base, observation, observation_base, parse

DATA = SHARED / "weather_kma"


def reply(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} missing: ../shared/data is not beside the project")
    return path.read_bytes()


def test_observation_xml_as_saved() -> None:
    obs = observation(parse(reply("ultrasrtncst_20230626_0900_nx55_ny127_raw.xml")))
    assert (obs.nx, obs.ny, obs.observed_at) == (55, 127, datetime(2023, 6, 26, 9, 0, tzinfo=KST))
    assert obs.values == {
        "PTY": 0, "REH": 89, "RN1": 0.5, "T1H": 23.6, "UUU": 0, "VEC": 179, "VVV": 5, "WSD": 5,
    }  # fmt: skip
    assert obs.word() == "강수 없음"  # no forecast given: only that nothing falls


def test_observation_xml_from_a_readme() -> None:
    obs = observation(parse(reply("ultrasrtncst_20210930_1500_nx60_ny127.xml")))
    assert (obs.nx, obs.ny) == (60, 127) and obs.observed_at == datetime(2021, 9, 30, 15, 0, tzinfo=KST)
    assert set(obs.values) == {"PTY", "REH", "RN1", "T1H", "UUU", "VEC", "VVV", "WSD"}


@pytest.mark.parametrize("hour", ["1100", "1200"])
def test_items_only_json(hour: str) -> None:
    items = parse(reply(f"ultrasrtncst_items_20221227_{hour}_nx58_ny125.json"))
    assert len(items) == 8 and {i.base.strftime("%H%M") for i in items} == {hour}
    obs = observation(items)
    assert (obs.nx, obs.ny) == (58, 125) and obs.get("T1H") is not None


def test_forecast_gives_the_sky() -> None:
    forecast = parse(reply("ultrasrtfcst_20250915_1730_nx60_ny123.json"))
    assert len(forecast) == 60 and len({i.category for i in forecast}) == 10
    sky = [i for i in forecast if i.category == "SKY"]
    assert len(sky) == 6 and all(i.value in (1, 3, 4) for i in sky)
    observed = parse(reply("ultrasrtncst_items_20221227_1100_nx58_ny125.json"))
    obs = observation(observed, forecast)
    assert obs.sky == sky[0].value  # the forecast hour nearest to the observation
    assert obs.word() in ("맑음", "구름많음", "흐림") or obs.pty


def test_village_forecast_excerpt_reads() -> None:
    items = parse(reply("vilagefcst_20221120_0500_nx60_ny120_EXCERPT_first121of809.json"))
    assert len(items) == 121 and all(i.at is not None for i in items)
    assert {"TMP", "SKY", "PTY", "POP"} <= {i.category for i in items}


def test_no_data_reply() -> None:
    with pytest.raises(KmaError) as err:
        parse(reply("error_nodata_resultcode03.json"))
    assert (err.value.kind, err.value.code) == ("no_data", "03")


def test_gateway_refusing_the_key() -> None:
    with pytest.raises(KmaError) as err:
        parse(reply("error_gateway_service_key_not_registered.xml"))
    assert (err.value.kind, err.value.code) == ("key", "30")
    assert "SERVICE_KEY_IS_NOT_REGISTERED" in err.value.message


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_anything_else_is_a_kma_error(junk) -> None:  # noqa: ANN001
    with contextlib.suppress(KmaError):  # any other exception fails the test
        parse(junk)


@pytest.mark.parametrize(
    ("now", "obs", "fcst"),
    [
        ("2026-12-07T10:39:00+09:00", "2026-12-07T09:00", "2026-12-07T09:30"),
        ("2026-12-07T10:40:00+09:00", "2026-12-07T10:00", "2026-12-07T09:30"),
        ("2026-12-07T10:45:00+09:00", "2026-12-07T10:00", "2026-12-07T10:30"),
        ("2026-12-07T00:10:00+09:00", "2026-12-06T23:00", "2026-12-06T23:30"),
        ("2026-12-06T15:50:00+00:00", "2026-12-07T00:00", "2026-12-07T00:30"),  # UTC in, KST out
    ],
)
def test_base_times_as_kma_publishes(now: str, obs: str, fcst: str) -> None:
    t = datetime.fromisoformat(now)
    assert observation_base(t).strftime("%Y-%m-%dT%H:%M") == obs
    assert forecast_base(t).strftime("%Y-%m-%dT%H:%M") == fcst
