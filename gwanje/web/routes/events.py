"""The event queue: list, detail, lifecycle actions (409 when the state forbids them), SOP
ticks, snapshots, and ingest from other systems."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from gwanje.center.public import event_detail, event_summary
from gwanje.domain import Event, EventType, Severity
from gwanje.store import audit
from gwanje.store import events as repo
from gwanje.store.lifecycle import Action, IllegalTransition
from gwanje.store.users import AGENCIES
from gwanje.web.auth import Principal
from gwanje.web.deps import CenterDep, PrincipalDep, Staff, Supervisor, client_ip

router = APIRouter(prefix="/api/events", tags=["events"])

StatusName = Literal["new", "acknowledged", "dispatched", "resolved", "false_alarm", "open"]


@router.get("")
def list_events(
    principal: PrincipalDep,
    center: CenterDep,
    status: Annotated[list[StatusName] | None, Query()] = None,
    camera: str | None = None,
    type: EventType | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    wanted = None
    if status:
        wanted = [s for s in status if s != "open"] + (repo.open_statuses() if "open" in status else [])
    with center.db.sessions() as s:
        rows = repo.query(
            s,
            status=wanted,
            camera_id=camera,
            type=type.value if type else None,
            agency=principal.agency if principal.is_agency else None,
            limit=limit,
        )
        return [event_summary(r) for r in rows]


@router.get("/{event_id}")
def get_event(event_id: str, principal: PrincipalDep, center: CenterDep) -> dict:
    with center.db.sessions() as s:
        try:
            return event_detail(
                repo.get(s, event_id, agency=principal.agency if principal.is_agency else None)
            )
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None


@router.get("/{event_id}/snapshot")
def snapshot(event_id: str, principal: PrincipalDep, center: CenterDep, request: Request) -> FileResponse:
    with center.db.sessions.begin() as s:
        try:
            row = repo.get(s, event_id, agency=principal.agency if principal.is_agency else None)
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        if not row.snapshot_path:
            raise HTTPException(404, f"event {event_id!r} has no snapshot")
        audit.record(
            s, username=principal.username, action="view_snapshot", target=event_id, ip=client_ip(request)
        )
    path = (center.snapshot_dir / row.snapshot_path).resolve()
    if not path.is_file() or center.snapshot_dir.resolve() not in path.parents:
        raise HTTPException(404, "snapshot file missing")
    return FileResponse(path, media_type="image/jpeg")


class ActionIn(BaseModel):
    note: str | None = Field(None, max_length=2000)
    agency: str | None = Field(None, description="dispatch only: police, fire, ambulance, district")


@router.post("/{event_id}/{action}")
def act(
    event_id: str, action: Action, body: ActionIn, principal: Staff, center: CenterDep, request: Request
) -> dict:
    if action == Action.DISPATCH and body.agency not in AGENCIES:
        raise HTTPException(422, f"dispatch needs agency, one of: {', '.join(AGENCIES)}")
    with center.db.sessions.begin() as s:
        try:
            row = repo.act(
                s, event_id, action, username=principal.username, note=body.note, agency=body.agency
            )
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except IllegalTransition as exc:
            raise HTTPException(409, str(exc)) from None
        detail = {"to": row.status, "note": body.note, "agency": body.agency}
        out = _audited_detail(s, principal, request, f"event_{action.value}", event_id, event_id, detail)
    center.event_changed(out)
    return out


class SopIn(BaseModel):
    done: bool = True


@router.post("/{event_id}/sop/{position}")
def tick(
    event_id: str, position: int, body: SopIn, principal: Staff, center: CenterDep, request: Request
) -> dict:
    with center.db.sessions.begin() as s:
        try:
            repo.tick_sop(s, event_id, position, username=principal.username, done=body.done)
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        action = "sop_tick" if body.done else "sop_untick"
        out = _audited_detail(s, principal, request, action, f"{event_id}#{position}", event_id)
    center.event_changed(out)
    return out


def _audited_detail(
    s,
    principal: Principal,
    request: Request,
    action: str,
    target: str,
    event_id: str,
    detail: dict | None = None,
) -> dict:  # noqa: ANN001 - the request's session
    """Record who changed the event, then read it back as the console shows it."""
    audit.record(
        s, username=principal.username, action=action, target=target, detail=detail, ip=client_ip(request)
    )
    s.flush()
    return event_detail(repo.get(s, event_id))


class EventIn(BaseModel):
    """An event from another system (or a test): stored and shown like a camera's own."""

    camera_id: str = Field(..., min_length=1, max_length=64)
    type: EventType
    severity: Severity = Severity.MEDIUM
    zone: str | None = Field(None, max_length=100)
    started_at: datetime | None = None
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
