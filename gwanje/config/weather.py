"""``weather:`` in the site YAML: KMA's current weather for the console's panel and map, and the
rules that make weather a reason to look at a camera (docs/weather.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from gwanje.config.base import Strict

# what a camera may be tagged with (camera location.tags), and how the console names it
TAG_WORDS = {
    "underpass": "지하차도",
    "riverside": "하천변",
    "slope": "경사로",
    "stairs": "계단",
    "outdoor_gathering": "야외 행사장",
    "bridge": "교량",
    "coast": "해안",
    "tunnel": "터널",
}


class StationConfig(Strict):
    """A place the panel shows (the site's own: its center, districts, weak spots)."""

    name: str = Field(..., min_length=1, max_length=40, description="As the panel shows it (e.g. 오산)")
    lat: float = Field(..., ge=32, le=39.5, description="WGS84; within KMA's grid (Korea)")
    lon: float = Field(..., ge=124, le=132)


class WeatherRule(Strict):
    """Raise cameras with one of ``tags`` while the weather of their grid cell meets every given
    condition (an unset condition is not checked)."""

    name: str = Field(..., min_length=1, max_length=20, description="The tile's words for it, e.g. 강수")
    tags: list[str] = Field(
        ..., min_length=1, description=f"Camera tags it applies to: {', '.join(TAG_WORDS)}"
    )
    rn1_min: float | None = Field(None, ge=0, description="1-hour rainfall at least (mm)")
    snow: bool = Field(False, description="Snow falling (PTY 2, 3, 6 or 7)")
    t1h_max: float | None = Field(None, description="Temperature at most (°C)")
    t1h_min: float | None = Field(None, description="Temperature at least (°C)")
    wsd_min: float | None = Field(None, ge=0, description="Wind speed at least (m/s)")
    any_of: bool = Field(False, description="Raise when any one given condition holds, not all of them")
    weight: float = Field(
        1.0,
        gt=0,
        le=3,
        description="Added to the camera's priority: 1.0 puts a camera on a wall (over the 0.5 threshold) "
        "as a routine reason, under the reserved changes (2.0) and far under urgent (3.5)",
    )

    @model_validator(mode="after")
    def _has_a_condition(self) -> WeatherRule:
        unknown = sorted(set(self.tags) - TAG_WORDS.keys())
        if unknown:
            raise ValueError(f"unknown tags {unknown}: use {', '.join(TAG_WORDS)}")
        given = [self.rn1_min, self.t1h_max, self.t1h_min, self.wsd_min]
        if not self.snow and all(v is None for v in given):
            raise ValueError(f"weather rule {self.name!r} has no condition")
        return self


DEFAULT_RULES = [
    WeatherRule(name="강수", tags=["underpass", "riverside"], rn1_min=10.0),
    WeatherRule(name="눈·결빙", tags=["slope", "stairs", "bridge"], snow=True, t1h_max=0.0, any_of=True),
    WeatherRule(name="강풍", tags=["outdoor_gathering", "bridge", "coast", "riverside"], wsd_min=14.0),
    WeatherRule(name="폭염", tags=["outdoor_gathering"], t1h_min=33.0),
    WeatherRule(name="한파", tags=["outdoor_gathering", "riverside"], t1h_max=-12.0),
]


class WeatherConfig(Strict):
    enabled: bool = Field(True, description="Off: no panel, no requests, no weather in triage")
    key_env: str = Field(
        "KMA_SERVICE_KEY",
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="The environment variable holding the data.go.kr service key (never the key itself)",
    )
    base_url: str = Field(
        "https://apis.data.go.kr/1360000/VilageFcstInfoService_2.0",
        pattern=r"^https?://",
        description="KMA's short-range forecast service",
    )
    timeout_s: float = Field(5.0, gt=0, le=60)
    retries: int = Field(
        2, ge=0, le=5, description="Retries of a request that failed on the network or with a 5xx"
    )
    poll_s: float = Field(
        60.0, ge=5, le=3600, description="How often the cells are looked at; each is asked once per KMA hour"
    )
    stations: list[StationConfig] = Field(default_factory=list, description="The panel's places")
    stations_file: Path | None = Field(
        None,
        description="A CSV (name, lat, lon columns) of more places, e.g. the KMA widget's 94 ASOS "
        "stations (../shared/data/weather_kma/widget_94_stations.csv), offered as a preset",
    )
    sample_file: Path | None = Field(
        None,
        description="A recorded getUltraSrtNcst reply replayed while no key is set (the offline demo); "
        "the panel says it is a recorded sample and gives its original time",
    )
    rules: list[WeatherRule] = Field(default_factory=lambda: list(DEFAULT_RULES))
    show_credit: Literal["기상청 제공"] = "기상청 제공"
