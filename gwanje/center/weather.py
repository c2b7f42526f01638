"""The weather the center knows: each grid cell of a camera or a panel station asked of KMA once
per KMA hour, the panel's states (live, recorded sample, no key, key refused, unreachable since
HH:MM) and the weather raises for triage. Nothing here ever fails a request: every failure is a
state the panel shows."""

from __future__ import annotations

import asyncio
import csv
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gwanje.config import SiteConfig, StationConfig
from gwanje.store import cameras as camera_repo
from gwanje.store.db import Database
from gwanje.weather.client import KmaClient, Unreachable
from gwanje.weather.grid import Cell, inside, to_cell
from gwanje.weather.kma import KST, KmaError, Observation, observation, observation_base, parse
from gwanje.weather.rules import raises

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    cell: Cell
    preset: str  # site | stations_file


def read_stations(path: Path) -> list[StationConfig]:
    """A CSV with name, lat and lon columns (the KMA widget's list has them)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    try:
        return [StationConfig(name=r["name"], lat=float(r["lat"]), lon=float(r["lon"])) for r in rows]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: a station row without a name, lat or lon ({exc})") from None


class WeatherService:
    def __init__(self, site: SiteConfig, *, transport: Any = None) -> None:
        self.cfg = site.weather
        self.lock = threading.Lock()
        self.places = self._places()
        self.camera_cells: dict[str, Cell] = {}
        self.tags: dict[str, list[str]] = {}
        self.cameras_changed([(c.id, c.location.model_dump()) for c in site.cameras])
        self.key = os.environ.get(self.cfg.key_env, "").strip()
        self.client = (
            KmaClient(
                self.cfg.base_url,
                self.key,
                timeout_s=self.cfg.timeout_s,
                retries=self.cfg.retries,
                transport=transport,
            )
            if self.key
            else None
        )
        self.cells: dict[Cell, Observation] = {}
        self.asked: dict[Cell, datetime] = {}  # the observation hour each cell was last asked for
        self.sample: Observation | None = None
        self.sample_error: str | None = None
        self.unreachable_since: datetime | None = None
        self.refused: str | None = None  # the gateway's reason when it refused the key
        self.last_ok: datetime | None = None
        self.last_error: str | None = None
        if self.client is None and self.cfg.sample_file is not None:
            self._load_sample(self.cfg.sample_file)

    # -- what to ask for ---------------------------------------------------------------------
    def _places(self) -> list[Place]:
        places = [Place(s.name, s.lat, s.lon, to_cell(s.lat, s.lon), "site") for s in self.cfg.stations]
        if self.cfg.stations_file is not None:
            try:
                extra = read_stations(self.cfg.stations_file)
            except (OSError, ValueError) as exc:
                log.warning("weather stations file not read: %s", exc)
                extra = []
            places += [Place(s.name, s.lat, s.lon, to_cell(s.lat, s.lon), "stations_file") for s in extra]
        return places

    def cameras_changed(self, cameras: list[tuple[str, dict]]) -> None:
        """Each camera's cell and tags, from (id, location) as the store keeps them."""
        cells, tags = {}, {}
        for cam_id, loc in cameras:
            lat, lon = loc.get("lat"), loc.get("lon")
            cell = _cell(lat, lon) if lat is not None and lon is not None else None
            if cell is not None:
                cells[cam_id] = cell
            tags[cam_id] = list(loc.get("tags") or [])
        with self.lock:
            self.camera_cells, self.tags = cells, tags

    def read_cameras(self, db: Database) -> None:
        with db.sessions() as s:
            rows = camera_repo.all_cameras(s)
            self.cameras_changed([(r.id, r.config.get("location") or {}) for r in rows])

    def wanted(self) -> set[Cell]:
        with self.lock:
            return {p.cell for p in self.places} | set(self.camera_cells.values())

    def _load_sample(self, path: Path) -> None:
        try:
            self.sample = observation(parse(path.read_bytes()))
        except (OSError, KmaError) as exc:
            self.sample_error = f"{path.name}: {exc}"
            log.warning("weather sample not read: %s", exc)

    # -- asking ------------------------------------------------------------------------------
    def poll(self, now: datetime | None = None) -> None:
        """Ask for every cell whose newest published hour it does not have yet (one request per
        cell per hour however many cameras and stations share it)."""
        if self.client is None or not self.cfg.enabled:
            return
        now = now or datetime.now(UTC)
        hour = observation_base(now)
        for cell in sorted(self.wanted(), key=lambda c: (c.nx, c.ny)):
            if self.asked.get(cell) == hour:
                continue
            try:
                obs = self.client.current(cell, now)
            except Unreachable as exc:
                with self.lock:
                    self.unreachable_since = self.unreachable_since or now
                    self.last_error = str(exc)
                return  # the next poll tries again: no point asking for the other cells now
            except KmaError as exc:
                with self.lock:
                    self.unreachable_since = None
                    self.last_error = str(exc)
                    if exc.kind == "key":
                        self.refused = exc.message
                        return
                    self.refused = None
                    self.asked[cell] = hour  # no data for that hour: asked, kept the older one
                continue
            except Exception as exc:  # an answer nobody expected must not stop the loop
                log.exception("weather for cell %s failed", cell)
                with self.lock:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                continue
            with self.lock:
                self.cells[cell] = obs
                self.asked[cell] = hour
                self.unreachable_since, self.refused, self.last_ok = None, None, now

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    # -- reading -----------------------------------------------------------------------------
    def _observation(self, cell: Cell) -> Observation | None:
        if self.client is None:
            return self.sample
        return self.cells.get(cell)

    def state(self) -> tuple[str, str | None]:
        """(state, detail): off, no_key, sample, key_refused, unreachable, waiting, live."""
        if not self.cfg.enabled:
            return "off", None
        if self.client is None:
            return ("sample", self.sample_error) if self.sample is not None else ("no_key", self.sample_error)
        if self.unreachable_since is not None:  # the newest failure: the key is not even asked about
            return "unreachable", self.last_error
        if self.refused:
            return "key_refused", self.refused
        if not self.cells:
            return "waiting", self.last_error
        return "live", None

    def panel(self) -> dict[str, Any]:
        with self.lock:
            state, detail = self.state()
            stations = []
            for p in self.places:
                obs = self._observation(p.cell)
                stations.append(
                    {"name": p.name, "lat": p.lat, "lon": p.lon, "nx": p.cell.nx, "ny": p.cell.ny}
                    | {"preset": p.preset}
                    | _reading(obs)
                )
            return {
                "state": state,
                "detail": detail,
                "unreachable_since": _iso(self.unreachable_since),
                "updated_at": _iso(self.last_ok),
                "sample": (
                    {"file": self.cfg.sample_file.name if self.cfg.sample_file else None}
                    | {
                        "observed_at": _iso(self.sample.observed_at),
                        "nx": self.sample.nx,
                        "ny": self.sample.ny,
                    }
                    if state == "sample" and self.sample is not None
                    else None
                ),
                "credit": self.cfg.show_credit,
                "stations": stations,
                "raised": [
                    {"camera_id": cam, "caption": caption, "weight": w}
                    for cam, (w, caption, _) in self._raises().items()
                ],
            }

    def _raises(self) -> dict[str, tuple[float, str, float]]:
        out = {}
        for cam, cell in self.camera_cells.items():
            obs = self._observation(cell)
            tags = self.tags.get(cam) or []
            if obs is None or not tags:
                continue
            r = raises(obs, tags, self.cfg.rules)
            if r is not None:
                out[cam] = (r.weight, r.caption, obs.observed_at.timestamp())
        return out

    def raises(self) -> dict[str, tuple[float, str, float]]:
        """camera → (weight, caption, since) for triage (``gwanje.triage.priority``)."""
        if not self.cfg.enabled:
            return {}
        with self.lock:
            return self._raises()


def _cell(lat: float, lon: float) -> Cell | None:
    """The grid cell of a camera, or None outside KMA's grid (a camera abroad, a test position)."""
    try:
        cell = to_cell(lat, lon)
    except ValueError:
        return None
    return cell if inside(cell) else None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(KST).isoformat() if value is not None else None


def _reading(obs: Observation | None) -> dict[str, Any]:
    if obs is None:
        return {"word": None, "observed_at": None}
    return {
        "word": obs.word(),
        "word_en": obs.word_en(),
        "observed_at": _iso(obs.observed_at),
        "t1h": obs.get("T1H"),
        "reh": obs.get("REH"),
        "rn1": obs.get("RN1"),
        "wsd": obs.get("WSD"),
        "vec": obs.get("VEC"),
        "pty": obs.pty,
        "sky": obs.sky,
    }


async def weather_forever(service: WeatherService) -> None:
    """Poll every ``weather.poll_s`` until cancelled; nothing it meets stops it."""
    while True:
        try:
            await asyncio.to_thread(service.poll)
        except Exception:
            log.exception("weather poll failed")
        await asyncio.sleep(service.cfg.poll_s)
