"""Statistics for the console: events by type and local day, and response times."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import EventRow, now_utc, utc


@dataclass
class Stats:
    days: list[str]
    by_type_day: dict[str, list[int]]  # type -> count per day (same order as days)
    by_status: dict[str, int]
    by_camera: dict[str, int]
    ack_median_s: float | None
    ack_p90_s: float | None
    close_median_s: float | None
    response_by_type: dict[str, float] = field(default_factory=dict)  # median seconds to acknowledge


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def compute(session: Session, *, days: int = 14, tz: str = "Asia/Seoul", agency: str | None = None) -> Stats:
    zone = ZoneInfo(tz)
    today = now_utc().astimezone(zone).date()
    day_list = [(today - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    since = now_utc() - timedelta(days=days + 1)
    q = select(
        EventRow.type,
        EventRow.status,
        EventRow.camera_id,
        EventRow.started_at,
        EventRow.received_at,
        EventRow.acknowledged_at,
        EventRow.closed_at,
    ).where(EventRow.started_at >= since)
    if agency is not None:
        q = q.where(EventRow.dispatched_to == agency)
    by_type_day: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    by_status: Counter[str] = Counter()
    by_camera: Counter[str] = Counter()
    ack: list[float] = []
    close: list[float] = []
    ack_by_type: dict[str, list[float]] = defaultdict(list)
    index = {d: i for i, d in enumerate(day_list)}
    for typ, status, cam, started, received, acked, closed in session.execute(q):
        day = utc(started).astimezone(zone).date().isoformat()
        if day in index:
            by_type_day[typ][index[day]] += 1
        by_status[status] += 1
        by_camera[cam] += 1
        if acked is not None:
            ack.append((utc(acked) - utc(received)).total_seconds())
            ack_by_type[typ].append(ack[-1])
        if closed is not None:
            close.append((utc(closed) - utc(received)).total_seconds())
    return Stats(
        days=day_list,
        by_type_day=dict(by_type_day),
        by_status=dict(by_status),
        by_camera=dict(by_camera.most_common(20)),
        ack_median_s=median(ack) if ack else None,
        ack_p90_s=_p(ack, 0.9),
        close_median_s=median(close) if close else None,
        response_by_type={t: median(v) for t, v in ack_by_type.items()},
    )
