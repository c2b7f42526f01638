"""Evidence provision, the center's side (no HTTP): the background work of each request (find
the people on every frame, the masked preview, the signed package), the hand-over, the
destruction when the period of use ends, and the ledger rows each of these writes.

One job at a time runs (they are heavy: a detector on every frame, an H.264 encoder); the
request row says which job is running, how far it is and why it failed. The package's source
segments are put under a legal hold for the period of use; when the period ends the package is
deleted, the hold released, and both the destruction and its ledger row recorded.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gwanje.center.recording.playback import Playback
from gwanje.center.recording.provision_records import README, build_manifest, ledger_fields
from gwanje.config import PrivacyConfig, SiteConfig
from gwanje.evidence.export import ExportError, Found, find, render
from gwanje.evidence.masking import TrackLog
from gwanje.evidence.package import (
    file_sha256,
    fingerprint,
    load_or_create_key,
    public_pem,
    seal,
    zip_package,
)
from gwanje.store import audit, holds, ledger
from gwanje.store import cameras as camera_repo
from gwanje.store import provisions as repo
from gwanje.store.db import Database
from gwanje.store.models import CameraRow, ProvisionRow, now_utc, utc
from gwanje.video.clips import ClipError, decode_range

log = logging.getLogger(__name__)
SYSTEM = "system"


class EvidenceError(ValueError):
    """A request that cannot go on as asked (the message says why)."""


class Evidence:
    def __init__(
        self, db: Database, site: SiteConfig, playback: Playback, clock: Callable[[], datetime] = now_utc
    ) -> None:
        self.db, self.site, self.playback, self.clock = db, site, playback, clock
        self.config = site.evidence
        root = Path(site.server.data_dir)
        self.work = root / "evidence"
        self.key = load_or_create_key(root / "keys")
        self.fingerprint = fingerprint(self.key.public_key())
        self.public_pem = public_pem(self.key.public_key()).decode()
        self._jobs = ThreadPoolExecutor(1, thread_name_prefix="evidence")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._jobs.shutdown(wait=False, cancel_futures=True)

    # -- where things are ----------------------------------------------------------------------
    def folder(self, row: ProvisionRow) -> Path:
        return self.work / row.number

    def package_path(self, row: ProvisionRow) -> Path | None:
        return self.work / row.package_name if row.package_name else None

    def picks(self, row: ProvisionRow) -> list[dict[str, Any]]:
        """The frames to pick the subject on, per camera (written by the finding job)."""
        out = []
        for camera_id in row.camera_ids:
            meta = self.folder(row) / f"{camera_id}.picks.json"
            if meta.is_file():
                out += [{"camera_id": camera_id, **p} for p in json.loads(meta.read_text())]
        return out

    def pick_image(self, row: ProvisionRow, camera_id: str, index: int) -> Path | None:
        path = self.folder(row) / f"{camera_id}.pick{index}.jpg"
        return path if camera_id in row.camera_ids and path.is_file() else None

    def preview(self, row: ProvisionRow, camera_id: str) -> Path | None:
        path = self.folder(row) / f"{camera_id}.preview.mp4"
        return path if camera_id in row.camera_ids and path.is_file() else None

    def privacy(self, camera_id: str) -> PrivacyConfig:
        with self.db.sessions() as s:
            cam = s.get(CameraRow, camera_id)
            return camera_repo.to_config(cam).privacy if cam is not None else PrivacyConfig()

    def recorded(self, camera_id: str, start: datetime, end: datetime) -> bool:
        return bool(self.playback.parts(camera_id, start, end)[0])

    # -- jobs ----------------------------------------------------------------------------------
    def _run(
        self, provision_id: int, job: str, work: Callable[[ProvisionRow, Callable[[float], None]], None]
    ) -> Future:
        with self.db.sessions.begin() as s:
            row = repo.get(s, provision_id, lock=True)
            if row.job is not None:
                raise EvidenceError(f"request {row.number} is busy ({row.job})")
            row.job, row.job_progress, row.job_error = job, 0.0, None

        def body() -> None:
            last = [0.0]

            def progress(share: float) -> None:
                if share - last[0] >= 0.02 or share >= 1.0:
                    last[0] = share
                    with self.db.sessions.begin() as s:
                        repo.get(s, provision_id).job_progress = round(share, 3)

            error = None
            try:
                with self.db.sessions() as s:
                    row = repo.get(s, provision_id)
                    s.expunge(row)
                work(row, progress)
            except (ExportError, ClipError, EvidenceError, OSError) as exc:
                error = str(exc)
            except Exception as exc:  # a bug must not leave the request busy for ever
                log.exception("evidence job %s of request %s failed", job, provision_id)
                error = f"{type(exc).__name__}: {exc}"
            with self.db.sessions.begin() as s:
                row = repo.get(s, provision_id, lock=True)
                row.job, row.job_error = None, error
                if error is None:
                    row.job_progress = 1.0

        return self._jobs.submit(body)

    def start_finding(self, provision_id: int) -> Future:
        """Find the people on every frame of every camera, then make the preview (nobody unmasked)."""
        return self._run(provision_id, "finding", self._find_and_preview)

    def _frames(self, row: ProvisionRow, camera_id: str):
        start, end = utc(row.start_at), utc(row.end_at)
        parts, _ = self.playback.parts(camera_id, start, end)
        if not parts:
            raise EvidenceError(f"nothing recorded on {camera_id} in that range")
        return decode_range(parts, start, end)

    def _find_and_preview(self, row: ProvisionRow, progress: Callable[[float], None]) -> None:
        folder = self.folder(row)
        folder.mkdir(parents=True, exist_ok=True)
        n = len(row.camera_ids)
        for k, camera_id in enumerate(row.camera_ids):
            found: Found = find(
                self._frames(row, camera_id),
                utc(row.start_at),
                utc(row.end_at),
                self.config,
                self.privacy(camera_id),
                progress=lambda p, k=k: progress((k + p) / n * 0.7),
            )
            found.log.save(folder / f"{camera_id}.tracks.json")
            picks = []
            for i, pick in enumerate(found.picks):
                (folder / f"{camera_id}.pick{i}.jpg").write_bytes(pick.jpeg)
                picks.append(
                    {"pick": i, "frame": pick.index, "at": pick.at.isoformat(), "people": pick.people}
                )
            (folder / f"{camera_id}.picks.json").write_text(json.dumps(picks))
        with self.db.sessions.begin() as s:
            repo.get(s, row.id).found_at = self.clock()
        self._preview(row, lambda p: progress(0.7 + 0.3 * p))

    def set_subjects(self, provision_id: int, subjects: list[tuple[str, int]]) -> Future:
        """Mark who is left unmasked (camera, track id) and make the preview again with them."""
        with self.db.sessions.begin() as s:
            row = repo.get(s, provision_id, lock=True)
            if row.state != "requested":
                raise EvidenceError(f"request {row.number} is {row.state}: the subject is fixed")
            if row.found_at is None:
                raise EvidenceError("the people on the frames are still being found")
            known: dict[str, set[int]] = {}
            for camera_id, track in subjects:
                if camera_id not in row.camera_ids:
                    raise EvidenceError(f"camera {camera_id} is not in request {row.number}")
                if camera_id not in known:
                    known[camera_id] = TrackLog.load(
                        self.folder(row) / f"{camera_id}.tracks.json"
                    ).track_ids()
                if track not in known[camera_id]:
                    raise EvidenceError(f"no tracked person {track} on {camera_id}")
            row.subjects = sorted([c, int(t)] for c, t in set(map(tuple, subjects)))
        return self._run(provision_id, "preview", lambda r, p: self._preview(r, p))

    def _subjects(self, row: ProvisionRow, camera_id: str) -> set[int]:
        return {int(t) for c, t in row.subjects if c == camera_id}

    def _preview(self, row: ProvisionRow, progress: Callable[[float], None]) -> None:
        with self.db.sessions() as s:
            subjects = list(repo.get(s, row.id).subjects)
        row.subjects = subjects
        n = len(row.camera_ids)
        for k, camera_id in enumerate(row.camera_ids):
            folder = self.folder(row)
            render(
                self._frames(row, camera_id),
                utc(row.start_at),
                TrackLog.load(folder / f"{camera_id}.tracks.json"),
                self._subjects(row, camera_id),
                folder / f"{camera_id}.preview.mp4",
                self.config,
                self.privacy(camera_id),
                watermark=f"GWANJE {row.number} PREVIEW - NOT FOR RELEASE",
                progress=lambda p, k=k: progress((k + p) / n),
            )
        with self.db.sessions.begin() as s:
            live = repo.get(s, row.id)
            live.preview_subjects, live.preview_made_at = subjects, self.clock()

    def start_export(self, provision_id: int, username: str) -> Future:
        return self._run(provision_id, "export", lambda r, p: self._export(r, p, username))

    def _export(self, row: ProvisionRow, progress: Callable[[float], None], username: str) -> None:
        if row.state != "approved":
            raise EvidenceError(f"request {row.number} is {row.state}, not approved")
        exported_at = self.clock()
        name = f"gwanje-evidence-{row.number}"
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        stamp = f"GWANJE {row.number} EXPORTED {exported_at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        cameras = []
        n = len(row.camera_ids)
        for k, camera_id in enumerate(row.camera_ids):
            _, sources = self.playback.parts(camera_id, utc(row.start_at), utc(row.end_at))
            done = render(
                self._frames(row, camera_id),
                utc(row.start_at),
                TrackLog.load(self.folder(row) / f"{camera_id}.tracks.json"),
                self._subjects(row, camera_id),
                folder / f"{camera_id}.mp4",
                self.config,
                self.privacy(camera_id),
                watermark=stamp,
                progress=lambda p, k=k: progress((k + p) / n * 0.95),
            )
            cameras.append(
                {
                    "id": camera_id,
                    "file": done.path.name,
                    "first_frame": done.first.isoformat(),
                    "last_frame": done.last.isoformat(),
                    "frames": done.frames,
                    "subject_frames_visible": done.subject_shown,
                    "source_segments": sources,
                }
            )
        destroy_at = exported_at + timedelta(days=row.period_days)
        manifest = build_manifest(
            row,
            cameras,
            masking={
                **self.config.masking.model_dump(),
                "privacy": {c: self.privacy(c).model_dump() for c in row.camera_ids},
                "encoder": {"codec": "libx264", "crf": self.config.crf, "preset": self.config.preset},
            },
            exported_by=username,
            exported_at=exported_at,
            destroy_at=destroy_at,
        )
        seal(folder, manifest, self.key, README)
        zipped = zip_package(folder, self.work / f"{name}.zip")
        with self.db.sessions.begin() as s:
            live = repo.get(s, row.id, lock=True)
            hold = holds.create(
                s,
                camera_ids=list(row.camera_ids),
                start=utc(row.start_at),
                end=utc(row.end_at),
                case_number=row.case_number or row.number,
                reason=f"evidence provision {row.number} (until {destroy_at.date().isoformat()})",
                username=SYSTEM,
            )
            live.state, live.exported_at, live.destroy_at = "exported", exported_at, destroy_at
            live.package_name, live.package_bytes = zipped.name, zipped.stat().st_size
            live.package_sha256, live.hold_id = file_sha256(zipped), hold.id
            repo.open_link(live, self.config.link_days)
            audit.record(
                s,
                username=username,
                action="evidence_export",
                target=row.number,
                detail={"package": zipped.name, "sha256": live.package_sha256, "hold": hold.id},
            )

    # -- hand-over and destruction -------------------------------------------------------------
    def handed_over(self, provision_id: int, username: str, ip: str) -> ProvisionRow:
        """A download by the agency: audited; the first one writes the ledger's provision row."""
        with self.db.sessions.begin() as s:
            row = repo.get(s, provision_id, lock=True)
            row.downloads += 1
            first = row.handed_over_at is None
            if first:
                row.state, row.handed_over_at = "handed_over", self.clock()
                ledger.add(
                    s,
                    kind="provide",
                    file_name=row.package_name or "",
                    file_form="MP4 (H.264), 서명된 매니페스트 (ZIP)",
                    handler=row.decided_by or "",
                    provision_form="다운로드 (기한부 링크)",
                    **ledger_fields(row),
                    note=f"요청 {row.number}, 사건 {row.case_number}, 내려받은 사람 {username}",
                )
            audit.record(
                s,
                username=username,
                action="evidence_download",
                target=row.number,
                detail={"package": row.package_name, "count": row.downloads},
                ip=ip,
            )
            s.flush()
            s.expunge(row)
            return row

    def expire(self, now: datetime | None = None) -> list[str]:
        """Destroy the packages whose period of use has ended; returns their request numbers. The
        rows, ledger and audit are committed before the files go; files a crash left behind are
        removed on the next round."""
        now = now or self.clock()
        with self.db.sessions() as s:
            due = [r.id for r in repo.due_for_destruction(s, now)]
            leftovers = [(r.number, r.package_name) for r in repo.listing(s, state="destroyed")]
        for number, package in leftovers:
            self._remove_files(number, package)
        done = []
        for pid in due:
            with self.db.sessions.begin() as s:
                row = repo.get(s, pid, lock=True)
                if row.state not in ("exported", "handed_over"):
                    continue
                row.state, row.destroyed_at, row.destroyed_by = "destroyed", now, SYSTEM
                row.link_hash = None
                if row.hold_id is not None:
                    try:
                        holds.release(s, row.hold_id, username=SYSTEM, reason=f"provision {row.number} ended")
                    except (LookupError, holds.HoldError) as exc:  # released by hand already
                        log.info("request %s: its hold was not released now: %s", row.number, exc)
                ledger.add(
                    s,
                    kind="destroy",
                    file_name=row.package_name or "",
                    handler=SYSTEM,
                    destroyed_at=now,
                    destroyed_by=SYSTEM,
                    **ledger_fields(row),
                    note=f"이용기간 만료로 파기 (요청 {row.number})",
                )
                audit.record(
                    s,
                    username=SYSTEM,
                    action="evidence_destroy",
                    target=row.number,
                    detail={"package": row.package_name, "rule": "period of use ended"},
                )
                number, package = row.number, row.package_name
            self._remove_files(number, package)
            done.append(number)
        return done

    def _remove_files(self, number: str, package: str | None) -> None:
        if package:
            (self.work / package).unlink(missing_ok=True)
            shutil.rmtree(self.work / package.removesuffix(".zip"), ignore_errors=True)
        shutil.rmtree(self.work / number, ignore_errors=True)
