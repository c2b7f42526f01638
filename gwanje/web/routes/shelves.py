"""Shelving (ISA-18.2): an operator or supervisor silences a chattering rule on a camera for a set
time with a reason; supervisors see every shelf; each shelving and unshelving is audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field

from gwanje.domain import EventType
from gwanje.store import audit
from gwanje.store import shelves as repo
from gwanje.store.models import ShelfRow, now_utc, utc
from gwanje.web.deps import Body, CenterDep, RowId, Staff, Supervisor, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/shelves", tags=["shelves"])


def _public(row: ShelfRow) -> dict:
    now = now_utc()
    return {
        "id": row.id,
        "camera_id": row.camera_id,
        "type": row.type,
        "zone": row.zone,
        "reason": row.reason,
        "created_by": row.created_by,
        "created_at": utc(row.created_at).isoformat(),
        "until": utc(row.until).isoformat(),
        "cleared_by": row.cleared_by,
        "cleared_at": utc(row.cleared_at).isoformat() if row.cleared_at else None,
        "active": row.cleared_at is None and utc(row.until) > now,
        "hits": row.hits,
    }


@router.get("")
def list_shelves(principal: Supervisor, center: CenterDep) -> list[dict]:
    """Shelves in force, and those ended in the last day."""
    with center.db.sessions() as s:
        return [_public(r) for r in repo.recent(s, since=now_utc() - timedelta(days=1))]


class ShelfIn(Body):
    camera_id: str = Field(..., min_length=1, max_length=64)
    type: EventType
    zone: str | None = Field(None, max_length=100, description="Only this zone or line (none: all)")
    hours: float = Field(..., gt=0, le=72)
    reason: str = Field(..., min_length=1, max_length=1000)


@router.post("", status_code=201, responses=errors(409))
def shelve(body: ShelfIn, principal: Staff, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            row = repo.shelve(
                s,
                camera_id=body.camera_id,
                type_=body.type.value,
                zone=body.zone,
                hours=body.hours,
                reason=body.reason,
                username=principal.username,
                max_hours=center.site.alerts.max_shelve_h,
            )
        except repo.ShelfError as exc:
            raise HTTPException(409 if "already" in str(exc) else 422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="shelve",
            target=f"{body.camera_id}/{body.type.value}" + (f"/{body.zone}" if body.zone else ""),
            detail={"hours": body.hours, "reason": body.reason, "shelf": row.id},
            ip=client_ip(request),
        )
        return _public(row)


@router.delete("/{shelf_id}")
def unshelve(shelf_id: RowId, principal: Staff, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            row = repo.clear(s, shelf_id, username=principal.username)
        except LookupError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        audit.record(
            s,
            username=principal.username,
            action="unshelve",
            target=f"{row.camera_id}/{row.type}",
            detail={"shelf": row.id},
            ip=client_ip(request),
        )
        return _public(row)
