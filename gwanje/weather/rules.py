"""Weather as a reason to look: which of a camera's tags a rule covers while its grid cell's
weather meets the rule (pure: an observation and the config in, the raises out)."""

from __future__ import annotations

from dataclasses import dataclass

from gwanje.config import TAG_WORDS, WeatherRule
from gwanje.weather.kma import SNOW_PTY, Observation


@dataclass(frozen=True)
class Raise:
    rule: str
    weight: float
    caption: str  # for the wall tile: "강수 23mm/h · 지하차도"


def _conditions(rule: WeatherRule, obs: Observation) -> list[tuple[bool, str]]:
    """Each condition the rule sets: whether it holds and how the tile says it."""
    t1h, rn1, wsd = obs.get("T1H"), obs.get("RN1"), obs.get("WSD")
    out: list[tuple[bool, str]] = []
    if rule.rn1_min is not None:
        out.append((rn1 is not None and rn1 >= rule.rn1_min, f"{rn1 or 0:g}mm/h"))
    if rule.snow:
        out.append((obs.pty in SNOW_PTY, "눈"))
    if rule.t1h_max is not None:
        out.append((t1h is not None and t1h <= rule.t1h_max, f"{t1h}°C"))
    if rule.t1h_min is not None:
        out.append((t1h is not None and t1h >= rule.t1h_min, f"{t1h}°C"))
    if rule.wsd_min is not None:
        out.append((wsd is not None and wsd >= rule.wsd_min, f"{wsd}m/s"))
    return out


def holds(rule: WeatherRule, obs: Observation) -> tuple[bool, str]:
    conditions = _conditions(rule, obs)
    met = [words for ok, words in conditions if ok]
    ok = bool(met) if rule.any_of else bool(conditions) and len(met) == len(conditions)
    return ok, " ".join(met)


def raises(obs: Observation, tags: list[str], rules: list[WeatherRule]) -> Raise | None:
    """The strongest rule this weather makes true for a camera with these tags, if any."""
    best: Raise | None = None
    for rule in rules:
        tag = next((t for t in tags if t in rule.tags), None)
        if tag is None:
            continue
        ok, words = holds(rule, obs)
        if ok and (best is None or rule.weight > best.weight):
            best = Raise(rule.name, rule.weight, f"{rule.name} {words} · {TAG_WORDS[tag]}")
    return best
