"""Who is on duty: the console's heartbeat (presence), the shift started and ended by hand, and
the handover note (인수인계) the next shift reads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from gwanje.store import audit
from gwanje.store import shifts as shift_repo
from gwanje.store.models import ShiftRow, utc
from gwanje.web.deps import Body, CenterDep, Staff, client_ip

router = APIRouter(prefix="/api/duty", tags=["duty"])


def _shift(row: ShiftRow | None) -> dict | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "username": row.username,
        "role": row.role,
        "started_at": utc(row.started_at).isoformat(),
        "ended_at": utc(row.ended_at).isoformat() if row.ended_at else None,
        "handover_note": row.handover_note,
    }


@router.post("/heartbeat")
def heartbeat(principal: Staff, center: CenterDep) -> dict:
    """The console is open and looked at (its event stream counts as well)."""
    center.presence.heartbeat(principal.username, principal.role)
    return {"ok": True}


@router.get("")
def duty(principal: Staff, center: CenterDep) -> dict:
    """My shift, the latest handover notes, and who is present now."""
    with center.db.sessions() as s:
        mine = shift_repo.current(s, principal.username)
        notes = shift_repo.handovers(s)
        return {
            "shift": _shift(mine),
            "handovers": [_shift(n) for n in notes],
            "present": [
                {"username": c.username, "role": c.role, "since": c.since, "streams": c.streams}
                for c in center.presence.present()
            ],
        }


@router.post("/start")
def start_shift(principal: Staff, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        shift, started = shift_repo.start(s, principal.username, principal.role)
        if started:
            audit.record(s, username=principal.username, action="shift_start", ip=client_ip(request))
        out = _shift(shift)
    center.presence.heartbeat(principal.username, principal.role)
    return {"shift": out, "started": started}


class EndIn(Body):
    note: str = Field("", max_length=4000, description="The handover note for the next shift (인수인계)")


@router.post("/end")
def end_shift(body: EndIn, principal: Staff, center: CenterDep, request: Request) -> dict:
    """End my shift with a handover note; my console no longer counts as on duty."""
    with center.db.sessions.begin() as s:
        shift = shift_repo.end(s, principal.username, body.note)
        if shift is not None:
            audit.record(
                s,
                username=principal.username,
                action="shift_end",
                detail={"handover": bool(shift.handover_note)},
                ip=client_ip(request),
            )
        out = _shift(shift)
    center.presence.gone(principal.username)
    return {"shift": out}
