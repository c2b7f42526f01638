"""Follow mode and what it rests on: the people tracked on a live view (to click one), track
records and their crops, the cameras' topology, and the follows themselves (start, confirm a
candidate, "not seen", end, share with police). Operators act on their own follows, supervisors on
anyone's; agency liaisons have none of it (they get a shared follow through a live-view link)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.center.exchange.live_links import LinkError, LiveLinks
from gwanje.center.follow.chains import FollowError, FollowService, Start
from gwanje.store import track_records as repo
from gwanje.store.models import iso
from gwanje.store.users import AGENCIES
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, Staff, Supervisor, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api", tags=["follow"])
JPEG = {200: {"content": {"image/jpeg": {}}, "description": "a JPEG picture"}}
ChainId = Annotated[str, Path(max_length=40)]
RecordId = Annotated[str, Path(max_length=120)]


def _follow(request: Request) -> FollowService:
    return request.app.state.follow


def _may_all(principal: Principal) -> bool:
    return principal.role in ("supervisor", "admin")


async def _run(call):  # noqa: ANN001, ANN202
    try:
        return await asyncio.to_thread(call)
    except FollowError as exc:
        raise HTTPException(exc.status, exc.reason) from None


# -- what the cameras see and keep --------------------------------------------------------------
@router.get("/cameras/{camera_id}/tracks", responses=errors(404))
def live_tracks(camera_id: Annotated[str, Path(max_length=64)], principal: Staff, center: CenterDep) -> dict:
    """The people and vehicles tracked on the camera's latest live view: (id, class, box as shares
    of the picture), for marking them on the tile and clicking one to follow."""
    if camera_id not in center.health:
        raise HTTPException(404, f"no camera {camera_id!r}")
    view = center.live.get(camera_id)
    tracks = view.tracks if view is not None else ()
    return {
        "camera_id": camera_id,
        "seq": view.seq if view is not None else 0,
        "tracks": [{"id": t[0], "class": t[1], "box": list(t[2:6])} for t in tracks],
    }


def _record(center, record_id: str) -> dict:  # noqa: ANN001
    with center.db.sessions() as s:
        row = repo.get(s, record_id)
        if row is None:
            raise HTTPException(404, "no such track record (it may have gone with its recording)")
        return {
            "record_id": row.id,
            "camera_id": row.camera_id,
            "track_id": row.track_id,
            "part": row.part,
            "final": row.final,
            "class": row.class_name,
            "started_at": iso(row.started_at),
            "ended_at": iso(row.ended_at),
            "track_started_at": iso(row.track_started_at),
            "frame": [row.frame_w, row.frame_h],
            "path": row.path,
            "ground_path": row.ground_path,
            "entry_edge": row.entry_edge,
            "exit_edge": row.exit_edge,
            "heading_deg": row.heading_deg,
            "box": [row.box_w, row.box_h],
            "upper": row.upper_colour,
            "lower": row.lower_colour,
            "appearance_model": row.appearance_model,
            "crop": f"/api/tracks/{row.id}/crop.jpg" if row.crop_path else None,
            "crop_at": iso(row.crop_at),
            "crop_box": row.crop_box,
        }


@router.get("/tracks/{record_id}", responses=errors(404))
async def track_record(record_id: RecordId, principal: Staff, center: CenterDep) -> dict:
    return await asyncio.to_thread(_record, center, record_id)


@router.get("/tracks/{record_id}/crop.jpg", responses={**JPEG, **errors(404)})
async def track_crop(record_id: RecordId, principal: Staff, center: CenterDep) -> FileResponse:
    """The record's best view of the person (staff only; the search that showed it is audited)."""

    def find() -> str | None:
        with center.db.sessions() as s:
            row = repo.get(s, record_id)
            return row.crop_path if row is not None else None

    rel = await asyncio.to_thread(find)
    if not rel:
        raise HTTPException(404, "no picture for that track record")
    try:
        path = center.records.crop_file(rel)
    except ValueError:
        raise HTTPException(404, "no picture for that track record") from None
    if not path.is_file():
        raise HTTPException(404, "that picture is gone with its recording")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/topology")
async def topology(principal: Staff, request: Request) -> dict:
    """Camera positions and view bearings, the configured links (walking times) and the learned
    ones beside them."""
    follow = _follow(request)
    topo = await asyncio.to_thread(follow.topology)
    return {
        "cameras": [
            {
                "id": c.id,
                "name": c.name,
                "lat": c.location.lat,
                "lon": c.location.lon,
                "bearing_deg": c.location.bearing_deg,
                "neighbours": [n.model_dump() for n in c.neighbours],
            }
            for c in topo.cameras.values()
        ],
        "links": [lk.json() for lk in topo.links()],
    }


# -- follows ------------------------------------------------------------------------------------
class FollowIn(Body):
    purpose: str = Field(
        ..., min_length=1, max_length=300, description="Why (e.g. 절도 용의자 추적, 112 신고)"
    )
    camera_id: str | None = Field(None, max_length=64, description="With track_id: a person on a live view")
    track_id: int | None = Field(None, ge=0, le=2_147_483_647)
    record_id: str | None = Field(None, max_length=120, description="A track record (a search result)")
    alert_id: str | None = Field(None, max_length=40, description="An alert: its camera and person")


@router.post("/follow", status_code=201, responses=errors(404, 409, 410))
async def begin(body: FollowIn, principal: Staff, request: Request) -> dict:
    start = Start(body.camera_id, body.track_id, body.record_id, body.alert_id)
    return await _run(
        lambda: _follow(request).begin(principal.username, start, body.purpose, client_ip(request))
    )


@router.get("/follow")
async def listing(principal: Staff, request: Request, scope: Literal["mine", "all"] = "mine") -> list[dict]:
    """Active follows: mine, or (supervisors) everyone's."""
    if scope == "all" and not _may_all(principal):
        raise HTTPException(403, "everyone's follows are for supervisors")
    who = None if scope == "all" else principal.username
    return await asyncio.to_thread(_follow(request).listing, who)


@router.get("/follow/{chain_id}", responses=errors(404))
async def view(chain_id: ChainId, principal: Staff, request: Request) -> dict:
    """The follow with its steps (where and when), the next cameras and, while searching, the
    candidates, best first."""
    return await _run(lambda: _follow(request).view(chain_id, principal.username, _may_all(principal)))


class ConfirmIn(Body):
    record_id: str = Field(..., min_length=1, max_length=120)


@router.post("/follow/{chain_id}/confirm", responses=errors(404, 409))
async def confirm(chain_id: ChainId, body: ConfirmIn, principal: Staff, request: Request) -> dict:
    return await _run(
        lambda: _follow(request).confirm(
            chain_id, body.record_id, principal.username, _may_all(principal), client_ip(request)
        )
    )


class NotSeenIn(Body):
    camera_id: str = Field(..., min_length=1, max_length=64)


@router.post("/follow/{chain_id}/not-seen", responses=errors(404, 409))
async def not_seen(chain_id: ChainId, body: NotSeenIn, principal: Staff, request: Request) -> dict:
    return await _run(
        lambda: _follow(request).not_seen(
            chain_id, body.camera_id, principal.username, _may_all(principal), client_ip(request)
        )
    )


class EndIn(Body):
    note: str = Field("", max_length=300)


@router.post("/follow/{chain_id}/end", responses=errors(404, 409))
async def end(chain_id: ChainId, body: EndIn, principal: Staff, request: Request) -> dict:
    return await _run(
        lambda: _follow(request).end(
            chain_id, principal.username, _may_all(principal), body.note, client_ip(request)
        )
    )


@router.get("/follow/{chain_id}/steps/{seq}/crop.jpg", responses={**JPEG, **errors(404)})
async def step_crop(
    chain_id: ChainId, seq: Annotated[int, Path(ge=0, le=10_000)], principal: Staff, request: Request
) -> FileResponse:
    path = await _run(
        lambda: _follow(request).step_crop(chain_id, seq, principal.username, _may_all(principal))
    )
    if not path.is_file():
        raise HTTPException(404, "no picture for that step")
    return FileResponse(path, media_type="image/jpeg")


class ShareIn(Body):
    agency: Literal[AGENCIES]  # type: ignore[valid-type]
    username: str | None = Field(None, max_length=64, description="The agency account (or by_code)")
    by_code: bool = Field(False, description="A one-time code for a patrol officer's phone")
    minutes: float = Field(30.0, ge=1, le=240)
    legal_basis: str = Field("개인정보 보호법 제18조 제2항", min_length=1, max_length=200)


@router.post("/follow/{chain_id}/share", status_code=201, responses=errors(404, 409))
async def share(chain_id: ChainId, body: ShareIn, principal: Supervisor, request: Request) -> dict:
    """A live-view link for police that shows the follow's current camera as it moves on."""
    follow = _follow(request)
    links: LiveLinks = request.app.state.live_links
    chain = await _run(lambda: follow.view(chain_id, principal.username, True))
    if chain["state"] == "ended":
        raise HTTPException(409, "this follow has ended")
    try:
        link, code = await asyncio.to_thread(
            lambda: links.issue(
                by=principal.username,
                ip=client_ip(request),
                agency=body.agency,
                cameras=[chain["camera_id"]],
                minutes=body.minutes,
                username=body.username,
                by_code=body.by_code,
                incident_id=None,
                alert_id=chain["alert_id"],
                purpose=f"추적 공유: {chain['purpose']}",
                legal_basis=body.legal_basis,
                follow_id=chain_id,
            )
        )
    except LinkError as exc:
        raise HTTPException(exc.status, exc.reason) from None
    await _run(lambda: follow.shared(chain_id, link["id"], principal.username))
    return {**link, "code": code}
