"""Rule hits (events) as the cameras reported them: list, detail, snapshot, and ingest from other
systems. What a person handles is the alert they belong to (routes/alerts.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.center.alerts.public import hit_summary
from gwanje.domain import Event, EventType, Severity
from gwanje.store import alerts as alert_repo
from gwanje.store import audit
from gwanje.store import events as repo
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, Moment, PrincipalDep, Supervisor, client_ip, plausible_time
from gwanje.web.openapi import IMAGE

router = APIRouter(prefix="/api/events", tags=["events"])


def _visible_alerts(s, principal: Principal) -> list[str] | None:  # noqa: ANN001 - session
    """An agency liaison sees the hits of the alerts dispatched to its agency (None: all)."""
    if not principal.is_agency:
        return None
    return [a.id for a in alert_repo.query(s, alert_repo.Filter(agency=principal.agency), limit=1000)[1]]


@router.get("")
def list_events(
    principal: PrincipalDep,
    center: CenterDep,
    camera: Annotated[str | None, Query(max_length=64)] = None,
    type: EventType | None = None,
    alert: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    """The latest rule hits (raw, as the cameras reported them; alerts group them)."""
    with center.db.sessions() as s:
        rows = repo.query(
            s,
            camera_id=camera,
            type=type.value if type else None,
            alert_id=alert,
            alert_ids=_visible_alerts(s, principal),
            limit=limit,
        )
        return [hit_summary(r) for r in rows]


def _get(s, event_id: str, principal: Principal):  # noqa: ANN001, ANN202
    try:
        row = repo.get(s, event_id)
    except repo.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    visible = _visible_alerts(s, principal)
    if visible is not None and row.alert_id not in visible:
        raise HTTPException(404, f"no event {event_id!r}")
    return row


@router.get("/{event_id}")
def get_event(event_id: str, principal: PrincipalDep, center: CenterDep) -> dict:
    with center.db.sessions() as s:
        return hit_summary(_get(s, event_id, principal))


@router.get("/{event_id}/snapshot", responses=IMAGE)
def snapshot(event_id: str, principal: PrincipalDep, center: CenterDep, request: Request) -> FileResponse:
    with center.db.sessions.begin() as s:
        row = _get(s, event_id, principal)
        if not row.snapshot_path:
            raise HTTPException(404, f"event {event_id!r} has no snapshot")
        audit.record(
            s, username=principal.username, action="view_snapshot", target=event_id, ip=client_ip(request)
        )
    path = (center.snapshot_dir / row.snapshot_path).resolve()
    if not path.is_file() or center.snapshot_dir.resolve() not in path.parents:
        raise HTTPException(404, "snapshot file missing")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


class EventIn(Body):
    """An event from another system (or a test): stored and shown like a camera's own."""

    camera_id: str = Field(..., min_length=1, max_length=64)
    type: EventType
    severity: Severity = Severity.MEDIUM
    zone: str | None = Field(None, max_length=100)
    started_at: Moment | None = None
    confidence: float = Field(1.0, ge=0, le=1)
    boxes: list[tuple[float, float, float, float]] = Field(default_factory=list, max_length=100)
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{4,40}$")


@router.post("", status_code=201)
def post_events(
    body: EventIn | list[EventIn], principal: Supervisor, center: CenterDep, request: Request
) -> dict:
    items = body if isinstance(body, list) else [body]
    if len(items) > 1000:
        raise HTTPException(413, "at most 1000 events per request")
    now = datetime.now(UTC)
    unknown = sorted({e.camera_id for e in items} - set(center.camera_names()))
    if unknown:
        raise HTTPException(422, f"no camera {', '.join(unknown)}: events only for cameras the center has")
    for e in items:
        plausible_time(center, e.started_at, "started_at")
    events = [
        Event(
            event_id=e.id or uuid.uuid4().hex[:16],
            phase="start",
            camera_id=e.camera_id,
            type=e.type,
            severity=e.severity,
            start_s=0.0,
            end_s=0.0,
            started_at=(e.started_at or now).astimezone(UTC),
            track_ids=(),
            boxes=tuple(e.boxes),
            confidence=e.confidence,
            zone=e.zone,
            details={**e.details, "source": f"api:{principal.username}"},
            observed_at=now,
        )
        for e in items
    ]
    entry = {"username": principal.username, "action": "event_ingest", "ip": client_ip(request)}
    return {"created": center.ingest(events, audit_entry=entry)}
