"""Follow mode: an operator keeps a person in view from camera to camera.

A follow starts from a person clicked on a live tile (camera and track), from an alert (its
camera and first track) or from a track record (a search result). While the person is in view
(``watching``) the camera is pinned on the operator's wall and every record of that track refines
what the person looks like. When the track ends (its last record names the side it left by) or is
not seen for ``LOST_S``, the follow is ``searching``: the neighbour cameras in that direction come
onto the operator's wall first, and the people who appear there in the expected time are offered,
ranked (``candidates``). The operator confirms one (the chain grows by a step and watches that
track), says "not seen" for a camera, or ends the follow. Nothing moves on without the operator.

Everything is in the store: a console reload or a center restart finds the follow where it was, and
a confirmed step (with a copy of its crop) is never lost. A supervisor can share a follow with police
through a live-view link that follows the chain's current camera.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from gwanje.bus import Bus
from gwanje.center.follow import chain_view
from gwanje.center.follow.records import TrackRecords
from gwanje.center.follow.steps import add_step, learn_look
from gwanje.center.follow.topology import Link, Topology
from gwanje.center.refusal import Refusal
from gwanje.config import CameraConfig, SiteConfig
from gwanje.domain import TrackRecord
from gwanje.store import audit
from gwanje.store import cameras as camera_repo
from gwanje.store import track_records as repo
from gwanje.store.db import Database
from gwanje.store.models import AlertRow, CameraRow, now_utc, utc
from gwanje.store.models_follow import FollowChainRow, TrackRecordRow

log = logging.getLogger(__name__)
LOST_S = 20.0  # a watched track with no record for this long is taken as gone
LIVE_TRACK_S = 60.0  # a clicked track id is looked up among records this recent


class FollowError(Refusal):
    pass


@dataclass(frozen=True)
class Start:
    """What a follow starts from: a live track, an alert, or a record."""

    camera_id: str | None = None
    track_id: int | None = None
    record_id: str | None = None
    alert_id: str | None = None


class FollowService:
    def __init__(
        self, db: Database, bus: Bus, site: SiteConfig, records: TrackRecords, data_dir: Path
    ) -> None:
        self.db, self.bus, self.site, self.records = db, bus, site, records
        self.cfg = site.follow
        self.step_dir = data_dir / "follow"
        self.lock = threading.RLock()
        self.same_logit: tuple[float, float] | None = None
        self.walls: Callable[[str, list[tuple[str, str]]], None] = lambda operator, cameras: None
        self.live_tracks: Callable[[str], tuple] = lambda camera_id: ()
        self.link_moved: Callable[[str, str], None] = lambda link_id, camera_id: None
        self._topology: Topology | None = None
        self._learned: list[Link] = []
        self._watch: dict[tuple[str, int], str] = {}  # (camera, track id) → chain, for records
        self._searching: dict[str, set[str]] = {}  # chain → cameras its candidates come from
        records.listeners.append(self.on_records)
        self._load_metric()

    def _load_metric(self) -> None:
        from gwanje.vision.appearance import Metric, default_metric_path

        path = default_metric_path()
        if path.is_file():
            try:
                self.same_logit = Metric.load(path).same_logit
            except ValueError as exc:
                log.warning("follow mode without the metric's calibration: %s", exc)

    # -- start-up and topology ---------------------------------------------------------------------
    def start(self) -> None:
        """Index the follows left active (a restart) and put their cameras back on the walls."""
        with self.db.sessions() as s:
            chains = list(s.scalars(select(FollowChainRow).where(FollowChainRow.state != "ended")))
            for chain in chains:
                self._index(chain)
        for operator in {c.operator for c in chains}:
            self._place(operator)

    def cameras(self) -> dict[str, CameraConfig]:
        with self.db.sessions() as s:
            return {r.id: camera_repo.to_config(r) for r in camera_repo.all_cameras(s)}

    def topology(self) -> Topology:
        with self.lock:
            if self._topology is None:
                self._topology = Topology(self.cameras(), self._learned)
            return self._topology

    def cameras_changed(self) -> None:
        with self.lock:
            self._topology = None

    def set_learned(self, links: list[Link]) -> None:
        with self.lock:
            self._learned = links
            self._topology = None

    # -- the API's actions -------------------------------------------------------------------------
    def begin(self, operator: str, start: Start, purpose: str, ip: str | None = None) -> dict:
        """Start following; the follow's view."""
        purpose = purpose.strip()
        if not purpose:
            raise FollowError(422, "say why you follow this person (purpose)")
        now = now_utc()
        with self.lock, self.db.sessions.begin() as s:
            camera_id, track_id, record, alert_id = self._resolve(s, start, now)
            if track_id is None:
                raise FollowError(422, "the alert names no tracked person to follow")
            chain = FollowChainRow(
                id=f"fw-{secrets.token_urlsafe(9)}",
                operator=operator,
                purpose=purpose,
                alert_id=alert_id,
                state="watching",
                camera_id=camera_id,
                track_id=track_id,
                track_started_at=utc(record.track_started_at) if record else now,
                last_seen_at=utc(record.ended_at) if record else now,
                not_seen=[],
                started_at=now,
            )
            if record is not None:
                chain.appearance, chain.appearance_model = record.appearance, record.appearance_model
                chain.colour_hist = record.colour_hist
                if record.final and utc(record.ended_at) < now - timedelta(seconds=5):
                    chain.state, chain.exit_edge = "searching", record.exit_edge
            s.add(chain)
            s.flush()
            self._add_step(chain, "start", camera_id, record, operator, seen_at=chain.last_seen_at)
            audit.record(
                s,
                username=operator,
                action="follow_start",
                target=chain.id,
                detail={"camera": camera_id, "track": track_id, "alert": alert_id, "purpose": purpose},
                ip=ip,
            )
            self._index(chain)
            view = self._view(s, chain)
        self._changed(view)
        return view

    def _resolve(self, s, start: Start, now: datetime):  # noqa: ANN001, ANN202
        """(camera, track id, its newest record or None, alert id) of what the follow starts from."""
        if start.record_id is not None:
            record = repo.get(s, start.record_id)
            if record is None:
                raise FollowError(404, "no such track record (it may have gone with its recording)")
            return record.camera_id, record.track_id, self._newest(s, record), None
        if start.alert_id is not None:
            alert = s.get(AlertRow, start.alert_id)
            if alert is None:
                raise FollowError(404, "no such alert")
            ids = [int(t) for t in alert.track_ids or []]
            track = ids[-1] if ids else None
            found = (
                repo.latest_of_track(s, alert.camera_id, track, utc(alert.first_at) - timedelta(seconds=60))
                if track is not None
                else None
            )
            return alert.camera_id, track, found, alert.id
        if start.camera_id is None or start.track_id is None:
            raise FollowError(422, "name the person: a camera and track, a track record or an alert")
        if s.get(CameraRow, start.camera_id) is None:
            raise FollowError(404, f"no camera {start.camera_id!r}")
        record = repo.latest_of_track(
            s, start.camera_id, start.track_id, now - timedelta(seconds=LIVE_TRACK_S)
        )
        live = {t[0] for t in self.live_tracks(start.camera_id)}
        if record is None and start.track_id not in live:
            raise FollowError(
                404, f"track {start.track_id} is not in view on {start.camera_id} (it may have left)"
            )
        if record is not None and record.final and start.track_id not in live:
            raise FollowError(
                410, f"track {start.track_id} has left {start.camera_id}; follow it from its record"
            )
        return start.camera_id, start.track_id, record, None

    def _newest(self, s, record: TrackRecordRow) -> TrackRecordRow:  # noqa: ANN001
        parts = repo.track_parts(s, record.camera_id, utc(record.track_started_at), record.track_id)
        return parts[-1] if parts else record

    def confirm(self, chain_id: str, record_id: str, by: str, may_all: bool, ip: str | None = None) -> dict:
        """The operator says this candidate is the person: a new step; the follow watches it."""
        with self.lock, self.db.sessions.begin() as s:
            chain = self._chain(s, chain_id, by, may_all)
            record = repo.get(s, record_id)
            if record is None:
                raise FollowError(404, "no such track record (it may have gone with its recording)")
            if record.class_name != "person":
                raise FollowError(422, "that record is not of a person")
            if (
                record.camera_id == chain.camera_id
                and record.track_id == chain.track_id
                and utc(record.track_started_at) == utc(chain.track_started_at)
            ):
                raise FollowError(409, "that is the track already followed")
            shown = {
                c.record_id: (i, c)
                for i, c in enumerate(
                    chain_view.candidates(s, chain, self.topology(), self.cfg, self.same_logit)
                )
            }
            rank_of, cand = shown.get(record_id, (None, None))
            record = self._newest(s, record)
            self._add_step(
                chain,
                "confirmed",
                record.camera_id,
                record,
                by,
                seen_at=utc(record.track_started_at),
                score=cand.score if cand else None,
                rank=rank_of,
            )
            self._unindex(chain)
            chain.camera_id, chain.track_id = record.camera_id, record.track_id
            chain.track_started_at, chain.last_seen_at = utc(record.track_started_at), utc(record.ended_at)
            chain.state = "searching" if record.final else "watching"
            chain.exit_edge = record.exit_edge if record.final else None
            chain.not_seen = []
            learn_look(chain, record)
            audit.record(
                s,
                username=by,
                action="follow_confirm",
                target=chain.id,
                detail={"camera": record.camera_id, "track": record.track_id, "rank": rank_of},
                ip=ip,
            )
            self._index(chain)
            view = self._view(s, chain)
            link = chain.live_link_id
        if link:
            self.link_moved(link, view["camera_id"])
        self._changed(view)
        return view

    def not_seen(self, chain_id: str, camera_id: str, by: str, may_all: bool, ip: str | None = None) -> dict:
        with self.lock, self.db.sessions.begin() as s:
            chain = self._chain(s, chain_id, by, may_all)
            if chain.state != "searching":
                raise FollowError(409, "the person is in view: nothing to rule out")
            if s.get(CameraRow, camera_id) is None:
                raise FollowError(404, f"no camera {camera_id!r}")
            chain.not_seen = sorted(set(chain.not_seen or []) | {camera_id})
            self._add_step(chain, "not_seen", camera_id, None, by, seen_at=now_utc())
            audit.record(
                s, username=by, action="follow_not_seen", target=chain.id, detail={"camera": camera_id}, ip=ip
            )
            self._index(chain)
            view = self._view(s, chain)
        self._changed(view)
        return view

    def end(self, chain_id: str, by: str, may_all: bool, note: str = "", ip: str | None = None) -> dict:
        with self.lock, self.db.sessions.begin() as s:
            chain = self._chain(s, chain_id, by, may_all)
            if chain.state == "ended":
                raise FollowError(409, "this follow has ended already")
            chain.state, chain.ended_at, chain.ended_by = "ended", now_utc(), by
            audit.record(
                s, username=by, action="follow_end", target=chain.id, detail={"note": note[:300]}, ip=ip
            )
            self._unindex(chain)
            view = self._view(s, chain)
        self._changed(view)
        return view

    def shared(self, chain_id: str, link_id: str, by: str) -> None:
        """A supervisor shared the follow with a live-view link (it then follows the chain)."""
        with self.lock, self.db.sessions.begin() as s:
            chain = self._chain(s, chain_id, by, True)
            chain.live_link_id = link_id
            view = self._view(s, chain)
        self._changed(view)

    def view(self, chain_id: str, by: str, may_all: bool) -> dict:
        with self.lock, self.db.sessions() as s:
            return self._view(s, self._chain(s, chain_id, by, may_all))

    def listing(self, operator: str | None) -> list[dict]:
        """Active follows (of one operator, or everyone's), newest first, without candidates."""
        with self.db.sessions() as s:
            q = (
                select(FollowChainRow)
                .where(FollowChainRow.state != "ended")
                .order_by(FollowChainRow.started_at.desc())
                .limit(100)
            )
            if operator is not None:
                q = q.where(FollowChainRow.operator == operator)
            return [chain_view.summary(c) for c in s.scalars(q)]

    # -- what the cameras send ---------------------------------------------------------------------
    def on_records(self, records: list[TrackRecord]) -> None:
        """New records: the followed tracks' update their follow; new people on the cameras a
        follow is searching tell its console to look again."""
        touched: set[str] = set()
        with self.lock:
            mine = [(self._watch.get((r.camera_id, r.track_id)), r) for r in records]
            mine = [(c, r) for c, r in mine if c is not None]
            searching = {
                c for c, cams in self._searching.items() if any(r.camera_id in cams for r in records)
            }
        if mine:
            with self.lock, self.db.sessions.begin() as s:
                for chain_id, rec in mine:
                    chain = s.get(FollowChainRow, chain_id)
                    if chain is None or chain.state != "watching":
                        continue
                    if rec.track_started_at < utc(chain.track_started_at) - timedelta(seconds=LIVE_TRACK_S):
                        continue  # an old track of the same id (the camera restarted since)
                    if (
                        rec.part == 0
                        or abs((rec.track_started_at - utc(chain.track_started_at)).total_seconds()) > 0.5
                    ):
                        chain.track_started_at = rec.track_started_at
                    chain.last_seen_at = rec.ended_at
                    row = repo.get(s, rec.record_id)
                    if row is not None:
                        learn_look(chain, row)
                    if rec.final:
                        chain.state, chain.exit_edge = "searching", rec.exit_edge
                        self._index(chain)
                        audit.record(
                            s,
                            username="system",
                            action="follow_left_view",
                            target=chain.id,
                            detail={"camera": rec.camera_id, "side": rec.exit_edge},
                        )
                    touched.add(chain.id)
        for chain_id in touched | searching:
            try:
                with self.lock, self.db.sessions() as s:
                    chain = s.get(FollowChainRow, chain_id)
                    if chain is not None:
                        view = self._view(s, chain)
                    else:
                        continue
                self._changed(view)
            except Exception:
                log.exception("updating follow %s failed", chain_id)

    def tick(self, now: datetime | None = None) -> None:
        """Watched tracks unheard of for ``LOST_S`` are taken as gone (e.g. the camera restarted)."""
        now = now or now_utc()
        views = []
        with self.lock, self.db.sessions.begin() as s:
            for chain in s.scalars(select(FollowChainRow).where(FollowChainRow.state == "watching")):
                live = {t[0] for t in self.live_tracks(chain.camera_id)}
                if chain.track_id in live:
                    continue
                if (now - utc(chain.last_seen_at)).total_seconds() >= LOST_S:
                    chain.state, chain.exit_edge = "searching", None
                    self._index(chain)
                    views.append(self._view(s, chain))
        for view in views:
            self._changed(view)

    # -- inside -------------------------------------------------------------------------------------
    def _chain(self, s, chain_id: str, by: str, may_all: bool) -> FollowChainRow:  # noqa: ANN001
        chain = s.get(FollowChainRow, chain_id) if len(chain_id) <= 40 else None
        if chain is None or (chain.operator != by and not may_all):
            raise FollowError(404, "no such follow")
        return chain

    def _add_step(self, chain: FollowChainRow, kind: str, camera_id: str, record, by: str, **kw) -> None:  # noqa: ANN001, ANN003
        add_step(chain, kind, camera_id, record, by, crops=self.records.crop_dir, kept=self.step_dir, **kw)

    def step_crop(self, chain_id: str, seq: int, by: str, may_all: bool) -> Path:
        with self.db.sessions() as s:
            chain = self._chain(s, chain_id, by, may_all)
            step = next((st for st in chain.steps if st.seq == seq), None)
            if step is None or not step.crop_path:
                raise FollowError(404, "no picture for that step")
            return self.step_dir / step.crop_path

    def _index(self, chain: FollowChainRow) -> None:
        self._unindex(chain)
        if chain.state == "watching":
            self._watch[(chain.camera_id, chain.track_id)] = chain.id
        elif chain.state == "searching":
            links = self.topology().next_cameras(chain.camera_id, chain.exit_edge)
            self._searching[chain.id] = {lk.target for lk, _ in links} - set(chain.not_seen or [])

    def _unindex(self, chain: FollowChainRow) -> None:
        self._watch = {k: v for k, v in self._watch.items() if v != chain.id}
        self._searching.pop(chain.id, None)

    def _changed(self, view: dict) -> None:
        self.bus.publish({"kind": "follow", "data": view})
        self._place(view["operator"])

    def _place(self, operator: str) -> None:
        """Put the operator's followed cameras on their wall (``chain_view.wall_cameras``)."""
        with self.db.sessions() as s:
            chains = list(
                s.scalars(
                    select(FollowChainRow).where(
                        FollowChainRow.operator == operator, FollowChainRow.state != "ended"
                    )
                )
            )
            wanted = chain_view.wall_cameras(chains, self.topology(), self.cfg)
        try:
            self.walls(operator, wanted)
        except Exception:
            log.exception("placing %s's followed cameras failed", operator)

    def _view(self, s, chain: FollowChainRow) -> dict:  # noqa: ANN001
        return chain_view.view(s, chain, self.topology(), self.cfg, self.same_logit)
