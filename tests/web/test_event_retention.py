"""Hits, their snapshots and closed alerts are forgotten after server.keep_events_days, unless a
legal hold covers them or their alert is still open; each batch is audited; the audit stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.events import make_event

from gwanje.domain import EventType


def test_old_hits_go_unless_held_or_open(center) -> None:
    # every client starts the app's upkeep once: make them all before there is anything to forget
    kim, park = center.client("kim"), center.client("park")
    core = center.app.state.center
    now = datetime.now(UTC)
    old = now - timedelta(days=40)
    closed = make_event("cam-1", EventType.FIRE, started_at=old, snapshot=b"\xff\xd8\xffold")
    still_open = make_event("cam-1", EventType.LOITERING, started_at=old)
    recent = make_event("cam-1", EventType.FALL, started_at=now - timedelta(days=2))
    core.ingest([closed, still_open, recent])
    assert kim.post(f"/api/alerts/{closed.event_id}/false_alarm", json={"note": "조명"}).status_code == 200
    held_camera = make_event("cam-1", EventType.INTRUSION, started_at=old + timedelta(hours=1))
    core.ingest([held_camera])
    kim.post(f"/api/alerts/{held_camera.event_id}/false_alarm", json={})
    hold = {
        "camera_ids": ["cam-1"],
        "start": (old + timedelta(minutes=30)).isoformat(),
        "end": (old + timedelta(hours=2)).isoformat(),
        "case_number": "2026-0099",
        "reason": "수사 중",
    }
    assert park.post("/api/holds", json=hold).status_code == 201
    snapshot = next(core.snapshot_dir.rglob(f"{closed.event_id}.jpg"))
    assert snapshot.is_file()

    # the fixture keeps hits 3,650 days: look from 3,620 days on, as a 30-day site would today
    later = now + timedelta(days=3620)
    assert core.forget_old_events(now=later) == 1
    assert kim.get(f"/api/events/{closed.event_id}").status_code == 404
    assert kim.get(f"/api/alerts/{closed.event_id}").status_code == 404  # closed, no hits left
    assert not snapshot.exists()
    for kept in (still_open, recent, held_camera):
        assert kim.get(f"/api/events/{kept.event_id}").status_code == 200, kept.type
    rows = park.get("/api/audit", params={"action": "event_destroy"}).json()
    assert rows and rows[0]["detail"]["hits"] == 1 and rows[0]["detail"]["held"] == 1
    assert core.forget_old_events(now=later) == 0  # nothing more; the audit is never deleted
