"""Asking KMA for one grid cell's weather: ``getUltraSrtNcst`` for the observation hour and
``getUltraSrtFcst`` for its sky, with a timeout, retries of network failures and 5xx answers,
and every failure turned into :class:`KmaError` or :class:`Unreachable` (never anything else)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import httpx

from gwanje.weather.grid import Cell
from gwanje.weather.kma import KmaError, Observation, forecast_base, observation, observation_base, parse

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """No answer from KMA (network, timeout, 5xx after the retries)."""


class KmaClient:
    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.retries = retries
        self.http = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.http.close()

    def _get(self, operation: str, cell: Cell, base: datetime) -> str:
        params = {
            "serviceKey": self.key,
            "pageNo": 1,
            "numOfRows": 100,
            "dataType": "JSON",
            "base_date": base.strftime("%Y%m%d"),
            "base_time": base.strftime("%H%M"),
            "nx": cell.nx,
            "ny": cell.ny,
        }
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(4.0, 0.5 * 2**attempt))
            try:
                r = self.http.get(f"{self.base_url}/{operation}", params=params)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}"
                continue
            if r.status_code >= 500:
                last = f"HTTP {r.status_code}"
                continue
            if r.status_code >= 400 and not r.text.lstrip().startswith("<"):
                raise KmaError("service", str(r.status_code), f"HTTP {r.status_code}")
            return r.text  # a 4xx from the gateway carries its XML reason: parse() reads it
        raise Unreachable(f"KMA did not answer {operation} ({last})")

    def current(self, cell: Cell, now: datetime) -> Observation:
        """The latest observation of a cell, with the sky from the latest ultra-short forecast (a
        forecast that fails leaves the sky unknown; the observation still counts)."""
        items = parse(self._get("getUltraSrtNcst", cell, observation_base(now)))
        try:
            forecast = parse(self._get("getUltraSrtFcst", cell, forecast_base(now)))
        except (KmaError, Unreachable) as exc:
            log.warning("KMA forecast for cell %s not read (the sky stays unknown): %s", cell, exc)
            forecast = None
        return observation(items, forecast)
