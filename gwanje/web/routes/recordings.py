"""Recorded video: a camera's timeline, playback of a range, legal holds, the volume's state.

Watching recordings is a viewing of personal data: every timeline lookup and every clip asked
for is audited (who, camera, range, purpose). Operators and supervisors may play back; agency
liaisons may not browse recordings (they get footage through the provision workflow). Holds are
created and released by supervisors only, both audited.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.center.core import Center
from gwanje.center.recording.playback import PlaybackError
from gwanje.store import audit, holds, ledger
from gwanje.store.models import HoldRow, utc
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, Moment, RowId, Staff, Supervisor, audit_now, client_ip
from gwanje.web.openapi import MP4, errors

router = APIRouter(prefix="/api/recordings", tags=["recordings"])


def _camera(center: Center, camera_id: str) -> None:
    if camera_id not in center.camera_names():
        raise HTTPException(404, f"no camera {camera_id!r}")


def _viewed(
    center: Center,
    principal: Principal,
    camera_id: str,
    start: datetime,
    end: datetime,
    detail: dict,
    file_name: str,
    ip: str,
) -> None:
    """A playback is a viewing of personal video: audited, and a row of the ledger (열람)."""
    with center.db.sessions.begin() as s:
        audit.record(
            s, username=principal.username, action="view_recording", target=camera_id, detail=detail, ip=ip
        )
        ledger.add(
            s,
            kind="view",
            file_name=f"{camera_id} {start.isoformat()} ~ {end.isoformat()}",
            handler=principal.username,
            purpose=detail.get("purpose") or "관제 중 녹화 영상 확인",
            recipient=principal.username,
            provision_form="화면 열람 (녹화 재생)",
            camera_ids=[camera_id],
            range_start=start,
            range_end=end,
            note=file_name,
        )


def _span(start: datetime, end: datetime) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}


@router.get("/storage")
def storage(principal: Staff, center: CenterDep) -> dict:
    st = center.recordings.storage
    return {
        "free_percent": round(st.free_percent, 2),
        "bytes": st.bytes,
        "paused": st.paused,
        "warning": st.warning,
        "min_free_percent": center.recordings.settings.min_free_percent,
        "max_bytes": center.recordings.settings.max_bytes,
    }


@router.get("/{camera_id}/timeline")
async def timeline(
    camera_id: str,
    principal: Staff,
    center: CenterDep,
    request: Request,
    start: Annotated[Moment, Query()],
    end: Annotated[Moment, Query()],
) -> dict:
    """Recorded spans, gaps (with why), missing files and events of a camera in [start, end)."""
    await asyncio.to_thread(_camera, center, camera_id)
    try:
        tl = await asyncio.to_thread(center.playback.timeline, camera_id, start, end)
    except PlaybackError as exc:
        raise HTTPException(422, str(exc)) from None
    await asyncio.to_thread(
        audit_now, center, principal, "recording_search", camera_id, _span(start, end), client_ip(request)
    )
    return {
        "camera_id": camera_id,
        **_span(tl.start, tl.end),
        "recorded": [_span(s.start, s.end) for s in tl.recorded],
        "gaps": [{**_span(s.start, s.end), "reason": why} for s, why in tl.gaps],
        "missing": [_span(s.start, s.end) for s in tl.missing],
        "events": tl.events,
        "codec": tl.codec,
        "transcode": tl.codec is not None and tl.codec != "h264",
    }


@router.get("/{camera_id}/clip")
async def clip(
    camera_id: str,
    principal: Staff,
    center: CenterDep,
    request: Request,
    start: Annotated[Moment, Query()],
    end: Annotated[Moment, Query()],
    purpose: Annotated[
        str, Query(min_length=1, max_length=300, description="Why: a viewing of personal video")
    ],
) -> dict:
    """Make (or reuse) the playable MP4 of [start, end) and say where it is: audited and in the
    ledger with its purpose; the address holds a grant for this session (the file is served on
    it only, for an hour)."""
    if not purpose.strip():
        raise HTTPException(422, "purpose: say why (playing recorded video is a viewing of personal data)")
    await asyncio.to_thread(_camera, center, camera_id)
    try:
        made = await asyncio.to_thread(center.playback.clip, camera_id, start, end)
    except PlaybackError as exc:
        raise HTTPException(404 if "nothing recorded" in str(exc) else 422, str(exc)) from None
    detail = {**_span(start, end), "purpose": purpose.strip(), "transcoded": made.transcoded}
    await asyncio.to_thread(
        _viewed, center, principal, camera_id, start, end, detail, made.path.name, client_ip(request)
    )
    grant = center.playback.grant(made.path.name, principal.token_hash)
    return {
        "url": f"/api/recordings/clips/{made.path.name}?grant={grant}",
        "start": made.start.isoformat(),
        "offset_s": round(made.offset_s, 3),
        "duration_s": round(made.duration_s, 3),
        "transcoded": made.transcoded,
    }


@router.get("/clips/{name}", responses={**MP4, **errors(403, 404)})
def clip_file(
    name: str,
    principal: Staff,
    center: CenterDep,
    grant: Annotated[str, Query(min_length=1, max_length=64, description="From the clip's address")],
) -> FileResponse:
    """The clip file, with range requests (the browser's <video> seeks in it), on the grant the
    viewing that asked for it got (its session's, for an hour): anyone else asks for the range
    with a purpose, which is audited."""
    if not name.endswith(".mp4") or Path(name).name != name:
        raise HTTPException(404, "no such clip")
    if not center.playback.granted(name, principal.token_hash, grant):
        raise HTTPException(
            403,
            "this clip was asked for by another viewing: ask for the range with a purpose (it is audited)",
        )
    path = center.playback.cache / name
    if not path.is_file():
        raise HTTPException(404, "no such clip (made clips are kept a while: ask for the range again)")
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private, no-store"})


# -- legal holds -------------------------------------------------------------------------------
holds_router = APIRouter(prefix="/api/holds", tags=["recordings"])


def _hold(row: HoldRow) -> dict:
    return {
        "id": row.id,
        "camera_ids": row.camera_ids,
        "start": utc(row.start_at).isoformat(),
        "end": utc(row.end_at).isoformat(),
        "case_number": row.case_number,
        "reason": row.reason,
        "created_by": row.created_by,
        "created_at": utc(row.created_at).isoformat(),
        "released_by": row.released_by,
        "released_at": utc(row.released_at).isoformat() if row.released_at else None,
        "release_reason": row.release_reason,
        "active": row.released_at is None,
    }


class HoldIn(Body):
    camera_ids: list[str] = Field(..., min_length=1, max_length=50)
    start: Moment
    end: Moment
    case_number: str = Field(..., min_length=1, max_length=100)
    reason: str = Field(..., min_length=1, max_length=1000)


class ReleaseIn(Body):
    reason: str = Field(..., min_length=1, max_length=1000)


@holds_router.get("")
def list_holds(principal: Supervisor, center: CenterDep) -> list[dict]:
    with center.db.sessions() as s:
        return [_hold(r) for r in holds.all_holds(s)]


@holds_router.post("", status_code=201)
def create_hold(body: HoldIn, principal: Supervisor, center: CenterDep, request: Request) -> dict:
    known = center.camera_names()
    unknown = sorted(set(body.camera_ids) - set(known))
    if unknown:
        raise HTTPException(422, f"no camera {', '.join(unknown)}")
    with center.db.sessions.begin() as s:
        try:
            row = holds.create(
                s,
                camera_ids=body.camera_ids,
                start=body.start,
                end=body.end,
                case_number=body.case_number,
                reason=body.reason,
                username=principal.username,
            )
        except holds.HoldError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="hold_create",
            target=str(row.id),
            detail={"cameras": row.camera_ids, "case": row.case_number, **_span(body.start, body.end)},
            ip=client_ip(request),
        )
        return _hold(row)


@holds_router.post("/{hold_id}/release", responses=errors(409))
def release_hold(
    hold_id: RowId, body: ReleaseIn, principal: Supervisor, center: CenterDep, request: Request
) -> dict:
    with center.db.sessions.begin() as s:
        try:
            row = holds.release(s, hold_id, username=principal.username, reason=body.reason)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        except holds.HoldError as exc:
            raise HTTPException(409, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="hold_release",
            target=str(hold_id),
            detail={"case": row.case_number, "reason": row.release_reason},
            ip=client_ip(request),
        )
        return _hold(row)
