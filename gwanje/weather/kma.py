"""KMA's short-range forecast service (data.go.kr ``VilageFcstInfoService_2.0``): its replies read
into typed values, its error replies into :class:`KmaError`, its words for the sky and for rain.

Replies come as JSON or XML, whole (``response/header/body/items``) or as the item list alone;
the data.go.kr gateway answers a refused key with its own XML (``OpenAPI_ServiceResponse``).
``getUltraSrtNcst`` (observations: T1H, RN1, UUU, VVV, REH, PTY, VEC, WSD in ``obsrValue``) has
no sky; ``getUltraSrtFcst`` carries SKY in ``fcstValue``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: N817 - replies from KMA, parsed without DTDs or entities
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
# PTY, ultra-short-range (official): 0 none, 1 rain, 2 rain/snow, 3 snow, 5 drizzle, 6 drizzle and
# snow flurries, 7 snow flurries
PTY_WORDS = {1: "비", 2: "비/눈", 3: "눈", 5: "빗방울", 6: "빗방울눈날림", 7: "눈날림"}
PTY_EN = {1: "rain", 2: "rain/snow", 3: "snow", 5: "drizzle", 6: "drizzle/snow", 7: "snow flurries"}
SNOW_PTY = frozenset({2, 3, 6, 7})
# SKY (official): 1 clear, 3 mostly cloudy, 4 overcast (2, "partly cloudy", retired 2019-06-04)
SKY_WORDS = {1: "맑음", 2: "구름조금", 3: "구름많음", 4: "흐림"}
SKY_EN = {1: "clear", 2: "partly cloudy", 3: "mostly cloudy", 4: "overcast"}
NO_DATA = "03"


class KmaError(Exception):
    """KMA or the data.go.kr gateway said no: ``kind`` is ``no_data``, ``key`` or ``service``."""

    def __init__(self, kind: str, code: str, message: str) -> None:
        super().__init__(f"KMA {kind} ({code}): {message}")
        self.kind, self.code, self.message = kind, code, message


@dataclass(frozen=True)
class Item:
    category: str
    value: float | None  # None: a word KMA uses for nothing (강수없음) or an unreadable value
    base: datetime  # the time the observation or forecast is for (KST)
    nx: int
    ny: int
    at: datetime | None = None  # a forecast's time (fcstDate/fcstTime)


@dataclass(frozen=True)
class Observation:
    """One grid cell's observation hour (``getUltraSrtNcst``) and, when known, the sky of the
    forecast for the same hour (``getUltraSrtFcst``)."""

    nx: int
    ny: int
    observed_at: datetime
    values: dict[str, float] = field(default_factory=dict)
    sky: int | None = None

    def get(self, category: str) -> float | None:
        return self.values.get(category)

    @property
    def pty(self) -> int:
        return int(self.values.get("PTY") or 0)

    def word(self) -> str | None:
        """What the KMA widget says: the precipitation type when it rains or snows, else the sky
        (from the forecast); with no forecast at hand, only that nothing falls."""
        return self._word(PTY_WORDS, SKY_WORDS, "강수 없음")

    def word_en(self) -> str | None:
        return self._word(PTY_EN, SKY_EN, "no precipitation")

    def _word(self, pty_words: dict[int, str], sky_words: dict[int, str], dry: str) -> str | None:
        if self.pty:
            return pty_words.get(self.pty)
        return sky_words.get(self.sky, dry) if self.sky is not None else dry


def _number(raw: object) -> float | None:
    """``23.6``, ``"0.5"``, ``"1.0mm"``, ``"1mm 미만"`` (under 1 mm: 0.5), ``"강수없음"`` (0)."""
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).strip()
    if text in ("강수없음", "적설없음"):
        return 0.0
    if "미만" in text:
        return 0.5
    m = re.match(r"^-?\d+(\.\d+)?", text)
    if not m:
        return None
    value = float(m.group(0))
    return None if value <= -900 or value >= 900 else value  # KMA's missing-value markers


def _when(date: object, time: object) -> datetime:
    return datetime.strptime(f"{date}{str(time).zfill(4)}", "%Y%m%d%H%M").replace(tzinfo=KST)


def _item(raw: dict) -> Item:
    try:
        value_key = "obsrValue" if "obsrValue" in raw else "fcstValue"
        at = _when(raw["fcstDate"], raw["fcstTime"]) if "fcstDate" in raw else None
        return Item(
            category=str(raw["category"]),
            value=_number(raw[value_key]),
            base=_when(raw["baseDate"], raw["baseTime"]),
            nx=int(raw["nx"]),
            ny=int(raw["ny"]),
            at=at,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise KmaError("service", "parse", f"an item without {exc}") from None


def _check(code: str, message: str) -> None:
    if code == NO_DATA:
        raise KmaError("no_data", code, message or "NO_DATA")
    if code != "00":
        raise KmaError("service", code, message or "error")


def _from_json(doc: object) -> list[Item]:
    if isinstance(doc, list):  # the item list alone
        return [_item(r) for r in doc]
    if not isinstance(doc, dict) or "response" not in doc:
        raise KmaError("service", "parse", "not a KMA reply")
    response = doc["response"]
    header = response.get("header") or {}
    _check(str(header.get("resultCode", "")), str(header.get("resultMsg", "")))
    items = ((response.get("body") or {}).get("items") or {}).get("item") or []
    return [_item(r) for r in (items if isinstance(items, list) else [items])]


def _from_xml(text: str) -> list[Item]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise KmaError("service", "parse", f"unreadable XML: {exc}") from None
    if root.tag == "OpenAPI_ServiceResponse":  # the data.go.kr gateway refused the call
        header = root.find("cmmMsgHeader")
        code = (header.findtext("returnReasonCode") if header is not None else None) or "?"
        reason = (header.findtext("returnAuthMsg") if header is not None else None) or "SERVICE ERROR"
        kind = "key" if "KEY" in reason.upper() or code in ("30", "31", "32", "33") else "service"
        raise KmaError(kind, code.strip(), reason.strip())
    if root.tag != "response":
        raise KmaError("service", "parse", f"not a KMA reply: <{root.tag}>")
    _check(
        (root.findtext("header/resultCode") or "").strip(), (root.findtext("header/resultMsg") or "").strip()
    )
    return [
        _item({child.tag: (child.text or "").strip() for child in node})
        for node in root.iterfind("body/items/item")
    ]


def parse(reply: str | bytes) -> list[Item]:
    """The items of a reply; :class:`KmaError` for an error reply or one that is not KMA's."""
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise KmaError("service", "empty", "an empty reply")
    if text.startswith("<"):
        return _from_xml(text)
    try:
        return _from_json(json.loads(text))
    except json.JSONDecodeError as exc:
        raise KmaError("service", "parse", f"neither JSON nor XML: {exc.msg}") from None


def observation(items: list[Item], forecast: list[Item] | None = None) -> Observation:
    """The observation the items of one ``getUltraSrtNcst`` reply make, with the sky of the
    ``getUltraSrtFcst`` hour nearest to it when that reply is given."""
    observed = [i for i in items if i.at is None]
    if not observed:
        raise KmaError("no_data", NO_DATA, "no observation items")
    first = observed[0]
    values = {i.category: i.value for i in observed if i.value is not None}
    sky = None
    skies = [i for i in forecast or [] if i.category == "SKY" and i.at is not None and i.value is not None]
    if skies:
        nearest = min(skies, key=lambda i: abs((i.at - first.base).total_seconds()))  # type: ignore[operator]
        sky = int(nearest.value)  # type: ignore[arg-type]
    return Observation(first.nx, first.ny, first.base, values, sky)


def observation_base(now: datetime) -> datetime:
    """The latest observation hour KMA has published at ``now``: on the hour, out about 40 min
    later (10:39 asks for 09:00, 10:40 for 10:00)."""
    local = now.astimezone(KST).replace(second=0, microsecond=0)
    hour = local.replace(minute=0)
    return hour if local.minute >= 40 else hour - timedelta(hours=1)


def forecast_base(now: datetime) -> datetime:
    """The latest ultra-short-range forecast at ``now``: issued at half past, out about 45 min
    after the hour (10:44 asks for 09:30, 10:45 for 10:30)."""
    local = now.astimezone(KST).replace(second=0, microsecond=0)
    base = local.replace(minute=30)
    return base if local.minute >= 45 else base - timedelta(hours=1)
