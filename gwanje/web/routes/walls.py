"""Selective monitoring: my wall (filled by triage), pin and dismiss, all walls for
supervisors (incidents, which raise nearby cameras: routes/incidents.py)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field

from gwanje.store import audit
from gwanje.web.deps import Body, CenterDep, Staff, Supervisor, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api", tags=["walls"])


def _triage(request: Request):  # noqa: ANN202
    return request.app.state.triage


@router.get("/walls/me")
def my_wall(principal: Staff, request: Request) -> dict:
    return _triage(request).wall(principal.username)


@router.get("/walls")
def all_walls(principal: Supervisor, request: Request) -> dict:
    return _triage(request).overview()


class TileIn(Body):
    camera_id: str = Field(..., min_length=1, max_length=64)
    pinned: bool = True


@router.post("/walls/me/pin", responses=errors(404))
def pin_tile(body: TileIn, principal: Staff, request: Request, center: CenterDep) -> dict:
    if not _triage(request).pin(principal.username, body.camera_id, body.pinned):
        raise HTTPException(404, f"camera {body.camera_id!r} is not on your wall")
    with center.db.sessions.begin() as s:
        audit.record(
            s,
            username=principal.username,
            action="wall_pin" if body.pinned else "wall_unpin",
            target=body.camera_id,
            ip=client_ip(request),
        )
    return _triage(request).wall(principal.username)


@router.post("/walls/me/dismiss", responses=errors(404))
def dismiss_tile(body: TileIn, principal: Staff, request: Request, center: CenterDep) -> dict:
    if not _triage(request).dismiss(principal.username, body.camera_id):
        raise HTTPException(404, f"camera {body.camera_id!r} is not on your wall")
    with center.db.sessions.begin() as s:
        audit.record(
            s,
            username=principal.username,
            action="wall_dismiss",
            target=body.camera_id,
            ip=client_ip(request),
        )
    return _triage(request).wall(principal.username)
