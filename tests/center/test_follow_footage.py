"""Follow mode on real footage: the demo's camera pair (the two sides of PETS S2L1 View 001) through
the pipeline, its records into a real center; a person leaving one camera (ground truth: PETS id 16,
about 15 s into the clip) is offered on the other among the first 3 within the walk, and confirming
makes a two-step path. bench/follow.py scores every crossing of the clip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from gwanje.bus import Bus
from gwanje.center.core import Center
from gwanje.center.follow.chains import FollowService, Start
from gwanje.config import load_config
from gwanje.domain import Frame
from gwanje.pipeline import CameraPipeline
from gwanje.store.db import open_database

ROOT = Path(__file__).resolve().parents[2]
CROPS = {"cam-05": 468, "cam-06": 0}
PERSON = 16
FIRST, LAST = 100, 230  # frames (10 fps) around the crossing


def foot_points(pets_gt: Path) -> dict[int, tuple[float, float]]:
    gt = np.loadtxt(pets_gt, delimiter=",")
    rows = gt[(gt[:, 1] == PERSON) & (gt[:, 6] != 0)]
    return {int(f): (x + w / 2, y + h) for f, _, x, y, w, h, *_ in rows}


@pytest.mark.slow
def test_the_person_leaving_one_camera_is_offered_on_the_next(vtest, pets_gt, tmp_path: Path) -> None:
    import cv2

    demo = load_config(ROOT / "configs" / "demo.yaml")
    site = demo.model_copy(
        update={
            "cameras": [demo.camera(c).model_copy(update={"zones": []}) for c in CROPS],
            "server": demo.server.model_copy(update={"data_dir": tmp_path / "data"}),
        }
    )
    db = open_database(f"sqlite:///{tmp_path / 'gwanje.db'}")
    center = Center(site, db, Bus(), start_workers=False)
    center.start()
    follow = FollowService(db, center.bus, site, center.records, tmp_path / "data")
    t0 = datetime.now(UTC) - timedelta(seconds=(LAST - FIRST) / 10 + 5)
    pipes = {c: CameraPipeline(site.camera(c), fps=5.0) for c in CROPS}
    cap = cv2.VideoCapture(str(vtest))
    feet = foot_points(pets_gt)
    chain = None
    for i in range(LAST):
        ok, image = cap.read()
        assert ok
        if i < FIRST or i % 2:
            continue
        pts = (i - FIRST) / 10
        for cam, x0 in CROPS.items():
            frame = Frame(
                cam, i, pts, t0 + timedelta(seconds=pts), np.ascontiguousarray(image[:, x0 : x0 + 300])
            )
            result = pipes[cam].process(frame)
            center.records.ingest(result.records)
            if chain is None and cam == "cam-05":
                # the operator clicks the person (once the track has its first record)
                mine = [r for r in result.records if _is_person(center, r.record_id, feet, t0, x0)]
                if mine:
                    chain = follow.begin("kim", Start(record_id=mine[0].record_id), "시험: PETS 16번 추적")
    assert chain is not None, "person 16 was never tracked on cam-05"
    for pipe in pipes.values():
        center.records.ingest(pipe.finish_records())
    view = follow.view(chain["id"], "kim", False)
    assert view["state"] == "searching", view
    offered = [c for c in view["candidates"][:3] if c["camera_id"] == "cam-06"]
    assert offered, view["candidates"]
    # the right one: its track's foot points are person 16's on cam-06
    truth = [c for c in offered if _is_person(center, c["record_id"], feet, t0, CROPS["cam-06"])]
    assert truth, offered
    assert (
        0
        <= (
            datetime.fromisoformat(truth[0]["track_started_at"])
            - datetime.fromisoformat(view["last_seen_at"])
        ).total_seconds()
        <= 30
    )
    done = follow.confirm(chain["id"], truth[0]["record_id"], "kim", False)
    assert [(s["kind"], s["camera_id"]) for s in done["steps"]] == [
        ("start", "cam-05"),
        ("confirmed", "cam-06"),
    ]
    center.stop()
    db.close()


def _is_person(center, record_id: str, feet, t0, x0: int) -> bool:  # noqa: ANN001
    from gwanje.store import track_records as repo

    with center.db.sessions() as s:
        row = repo.get(s, record_id)
        parts = repo.track_parts(s, row.camera_id, row.track_started_at, row.track_id)
        hits = total = 0
        for part in parts:
            base = (row_time(part.started_at) - t0).total_seconds()
            for dt, x, y in part.path:
                frame = FIRST + int(round((base + dt) * 10)) + 1
                if frame in feet:
                    total += 1
                    hits += np.hypot(x + x0 - feet[frame][0], y - feet[frame][1]) < 25
        return total > 0 and hits / total > 0.5


def row_time(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
