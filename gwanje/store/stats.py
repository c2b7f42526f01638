"""Statistics for the console: alerts by type and local day, response times, and the noisiest
rules (which rule on which camera makes the most hits and false alarms)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gwanje.store.models import AlertRow, EventRow, now_utc, utc


@dataclass
class Stats:
    days: list[str]
    by_type_day: dict[str, list[int]]  # type -> alerts per day (same order as days)
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
        AlertRow.type,
        AlertRow.status,
        AlertRow.camera_id,
        AlertRow.first_at,
        AlertRow.received_at,
        AlertRow.acknowledged_at,
        AlertRow.closed_at,
    ).where(AlertRow.first_at >= since)
    if agency is not None:
        q = q.where(AlertRow.dispatched_to == agency)
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


@dataclass(frozen=True)
class Noisy:
    camera_id: str
    type: str
    hits: int  # raw rule hits
    alerts: int  # alerts they made
    false_alarms: int  # of those, marked false
    shelved: int  # hits silenced by a shelf
    recorded: int  # hits below the alerting severity (recorded only)


def noisiest(session: Session, *, days: int = 7, limit: int = 20) -> list[Noisy]:
    """Rule/camera pairs by their hits in the last ``days``: where a badly placed zone or a
    too sensitive rule makes work for nobody."""
    since = now_utc() - timedelta(days=days)
    hits = session.execute(
        select(
            EventRow.camera_id,
            EventRow.type,
            func.count(),
            func.sum(case((EventRow.shelf_id.is_not(None), 1), else_=0)),
            func.sum(case((EventRow.alert_id.is_(None) & EventRow.shelf_id.is_(None), 1), else_=0)),
        )
        .where(EventRow.started_at >= since)
        .group_by(EventRow.camera_id, EventRow.type)
    ).all()
    alerts = {
        (c, t): (n, int(f or 0))
        for c, t, n, f in session.execute(
            select(
                AlertRow.camera_id,
                AlertRow.type,
                func.count(),
                func.sum(case((AlertRow.status == "false_alarm", 1), else_=0)),
            )
            .where(AlertRow.last_at >= since)
            .group_by(AlertRow.camera_id, AlertRow.type)
        )
    }
    out = [
        Noisy(c, t, n, *alerts.get((c, t), (0, 0)), int(shelved or 0), int(recorded or 0))
        for c, t, n, shelved, recorded in hits
    ]
    out.sort(key=lambda r: (-r.hits, -r.false_alarms, r.camera_id, r.type))
    return out[:limit]
