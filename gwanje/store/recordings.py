"""The recordings index: a row per closed segment, a row per gap, and the check of rows against
the files on the recordings volume.

Workers never open the store: their segment notices come to the center as messages and land
here. A segment starting later than ``GAP_S`` after the camera's previous one ended leaves a gap
row between them, with the reason the center knows (signal lost, worker restarted) or "no
recording". A row whose file is gone is marked missing, never deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session

from gwanje.domain import Segment
from gwanje.store.holds import active as active_holds
from gwanje.store.holds import holds_span
from gwanje.store.models import GapRow, SegmentRow, now_utc, utc

GAP_S = 1.5  # a pause between segments longer than this is a gap
# segments are cut at the first keyframe after segment_s (at most 300 s): an hour bounds them
LONGEST = timedelta(hours=1)
# what destruction needs of a segment, read as plain rows (a batch is thousands of them)
_BRIEF = (
    SegmentRow.id,
    SegmentRow.camera_id,
    SegmentRow.start_at,
    SegmentRow.end_at,
    SegmentRow.path,
    SegmentRow.bytes,
)


def add_segment(session: Session, seg: Segment, *, gap_reason: str = "no recording") -> SegmentRow | None:
    """Index a closed segment (once: a path already indexed is left as it is). Adds the gap
    before it when the camera's previous segment ended more than ``GAP_S`` earlier."""
    if session.scalar(select(SegmentRow.id).where(SegmentRow.path == seg.path)) is not None:
        return None
    prev_end = session.scalar(
        select(SegmentRow.end_at)
        .where(SegmentRow.camera_id == seg.camera_id, SegmentRow.start_at < seg.start)
        .order_by(SegmentRow.start_at.desc())
        .limit(1)
    )
    prev_end = utc(prev_end)
    if prev_end is not None and (seg.start - prev_end).total_seconds() > GAP_S:
        session.add(GapRow(camera_id=seg.camera_id, start_at=prev_end, end_at=seg.start, reason=gap_reason))
    row = SegmentRow(
        camera_id=seg.camera_id,
        start_at=seg.start,
        end_at=seg.end,
        path=seg.path,
        bytes=seg.bytes,
        sha256=seg.sha256,
        codec=seg.codec,
    )
    session.add(row)
    return row


def segments(session: Session, camera_id: str, start: datetime, end: datetime) -> list[SegmentRow]:
    """The camera's segments overlapping [start, end), oldest first. A segment is never longer
    than ``LONGEST``, so the (camera, start) index is read over a bounded range only."""
    q = (
        select(SegmentRow)
        .where(
            SegmentRow.camera_id == camera_id,
            SegmentRow.start_at > start - LONGEST,
            SegmentRow.start_at < end,
            SegmentRow.end_at > start,
        )
        .order_by(SegmentRow.start_at)
    )
    return list(session.scalars(q))


def gaps(session: Session, camera_id: str, start: datetime, end: datetime) -> list[GapRow]:
    q = (
        select(GapRow)
        .where(GapRow.camera_id == camera_id, GapRow.start_at < end, GapRow.end_at > start)
        .order_by(GapRow.start_at)
    )
    return list(session.scalars(q))


def indexed_paths(session: Session) -> set[str]:
    return set(session.scalars(select(SegmentRow.path)))


def mark_missing(session: Session, present: set[str], now: datetime | None = None) -> int:
    """Rows whose file is not among ``present`` are marked missing (once); how many were."""
    now = now or now_utc()
    n = 0
    for row in session.scalars(select(SegmentRow).where(SegmentRow.missing_at.is_(None))):
        if row.path not in present:
            row.missing_at = now
            n += 1
    return n


def expired(
    session: Session,
    camera_ids: list[str],
    cutoff: datetime,
    limit: int = 5000,
    after: tuple[datetime, int] | None = None,
) -> tuple[list[Row], tuple[datetime, int] | None, int]:
    """The oldest segments of these cameras that ended before ``cutoff`` (and come after
    ``after``, a start time and id): those no active hold keeps, where the look stopped (to go on
    from) and how many were looked at (fewer than ``limit``: the end)."""
    holds = active_holds(session)
    q = select(*_BRIEF).where(SegmentRow.camera_id.in_(camera_ids), SegmentRow.end_at < cutoff)
    if after is not None:
        q = q.where(
            or_(
                SegmentRow.start_at > after[0],
                and_(SegmentRow.start_at == after[0], SegmentRow.id > after[1]),
            )
        )
    looked = list(session.execute(q.order_by(SegmentRow.start_at, SegmentRow.id).limit(limit)))
    free = [r for r in looked if not holds_span(holds, r.camera_id, r.start_at, r.end_at)]
    return free, ((looked[-1].start_at, looked[-1].id) if looked else after), len(looked)


def oldest_unheld(session: Session, limit: int = 200) -> list[Row]:
    """The oldest segments of any camera that no active hold keeps (for the disk guard)."""
    holds = active_holds(session)
    out: list[Row] = []
    offset = 0
    while len(out) < limit:
        rows = list(
            session.scalars(select(SegmentRow).order_by(SegmentRow.start_at).offset(offset).limit(limit))
        )
        if not rows:
            break
        out += [r for r in rows if not holds_span(holds, r.camera_id, r.start_at, r.end_at)]
        offset += len(rows)
    return out[:limit]


def total_bytes(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(SegmentRow.bytes), 0))) or 0)


def camera_ids(session: Session) -> list[str]:
    return list(session.scalars(select(SegmentRow.camera_id).distinct()))


def delete(session: Session, rows: list[Row]) -> None:
    """One statement for the batch (a city's retention deletes millions of rows a day)."""
    ids = [r.id for r in rows]
    for k in range(0, len(ids), 10_000):
        session.execute(sa_delete(SegmentRow).where(SegmentRow.id.in_(ids[k : k + 10_000])))
