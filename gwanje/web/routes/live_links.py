"""Live views for agencies through time-limited links (docs/exchange.md): supervisors issue,
list and revoke them; an agency account opens its own; a patrol officer's phone redeems a one-time
code (``/live/<id>``); the cameras stream as MJPEG only while the link holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from gwanje.center.exchange.live_links import LinkError, LiveLinks, Viewer
from gwanje.store.users import AGENCIES
from gwanje.web import mjpeg
from gwanje.web.auth import SESSION_COOKIE
from gwanje.web.deps import Body, CenterDep, PrincipalDep, Supervisor, client_ip, current_principal
from gwanje.web.openapi import MJPEG, errors

router = APIRouter(prefix="/api/live-links", tags=["live links"])
VIEWER_COOKIE = "gwanje_live"


def _links(request: Request) -> LiveLinks:
    return request.app.state.live_links


def _run(call):  # noqa: ANN001, ANN202
    try:
        return call()
    except LinkError as exc:
        raise HTTPException(exc.status, exc.reason) from None


class LinkIn(Body):
    agency: Literal[AGENCIES]  # type: ignore[valid-type]
    cameras: list[str] = Field(..., min_length=1, max_length=16)
    minutes: float = Field(30.0, ge=1, le=240)
    username: str | None = Field(None, max_length=64, description="The agency account (or by_code)")
    by_code: bool = Field(False, description="A one-time code for a phone instead of an account")
    incident_id: str | None = Field(None, max_length=40)
    alert_id: str | None = Field(None, max_length=40)
    purpose: str = Field(..., min_length=1, max_length=300)
    legal_basis: str = Field("개인정보 보호법 제18조 제2항", min_length=1, max_length=200)


@router.post("", status_code=201, responses=errors(404))
def issue(body: LinkIn, principal: Supervisor, request: Request) -> dict:
    """A new link; ``code`` (by_code only) is shown this once."""
    link, code = _run(
        lambda: _links(request).issue(
            by=principal.username,
            ip=client_ip(request),
            agency=body.agency,
            cameras=body.cameras,
            minutes=body.minutes,
            username=body.username,
            by_code=body.by_code,
            incident_id=body.incident_id,
            alert_id=body.alert_id,
            purpose=body.purpose,
            legal_basis=body.legal_basis,
        )
    )
    return {**link, "code": code}


@router.get("")
def listing(principal: PrincipalDep, request: Request) -> list[dict]:
    """Supervisors: the links of the last day. An agency account: its own links still active."""
    if principal.role in ("supervisor", "admin"):
        return _links(request).listing()
    if principal.is_agency:
        return _links(request).listing(agency_user=principal.username)
    raise HTTPException(403, "this needs the role supervisor, admin or agency")


@router.delete("/{link_id}", responses=errors(404))
def revoke(link_id: str, principal: Supervisor, request: Request) -> dict:
    return _run(lambda: _links(request).revoke(link_id, principal.username, client_ip(request)))


@router.post("/{link_id}/open", responses=errors(404, 410))
def open_link(link_id: str, principal: PrincipalDep, request: Request) -> dict:
    """An agency account opens its link (audited; in the ledger as a viewing)."""
    viewer = Viewer(username=principal.username, agency=principal.agency)
    return _run(lambda: _links(request).open(link_id, viewer, client_ip(request)))


class CodeIn(Body):
    code: str = Field(..., min_length=4, max_length=32)


@router.post("/{link_id}/redeem", responses=errors(403, 404, 410))
def redeem(link_id: str, body: CodeIn, request: Request, response: Response) -> dict:
    """A patrol officer's one-time code: this browser may watch until the link ends."""
    link, token = _run(lambda: _links(request).redeem(link_id, body.code, client_ip(request)))
    left = datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)
    response.set_cookie(
        f"{VIEWER_COOKIE}_{link_id}",
        token,
        max_age=max(1, int(left.total_seconds())),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=f"/api/live-links/{link_id}",
    )
    return link


def viewer_of(link_id: str, request: Request, center: CenterDep) -> Viewer:
    """The viewer cookie of a redeemed code, else the agency account signed in."""
    token = request.cookies.get(f"{VIEWER_COOKIE}_{link_id}")
    if token:
        return Viewer(token=token)
    if not request.cookies.get(SESSION_COOKIE):
        raise HTTPException(401, "open the link with its code, or sign in")
    principal = current_principal(request, center)
    return Viewer(username=principal.username, agency=principal.agency)


@router.get("/{link_id}/view", responses=errors(401, 404, 410))
def view(link_id: str, viewer: Annotated[Viewer, Depends(viewer_of)], request: Request) -> dict:
    """The link as its viewer sees it (a phone that already redeemed its code, reloading)."""
    return _run(lambda: _links(request).seen_by(link_id, viewer))


@router.get("/{link_id}/cameras/{camera_id}/live.mjpg", responses={**errors(401, 404, 410), **MJPEG})
async def watch(
    link_id: str,
    camera_id: str,
    viewer: Annotated[Viewer, Depends(viewer_of)],
    center: CenterDep,
    request: Request,
) -> StreamingResponse:
    """The camera live, while the link holds: the stream ends at its expiry, and within
    ``RECHECK_S`` of its revocation."""
    links = _links(request)
    until = await asyncio.to_thread(lambda: _run(lambda: links.may_watch(link_id, viewer, camera_id)))

    def still() -> bool:
        try:
            links.may_watch(link_id, viewer, camera_id)
            return True
        except LinkError:
            return False

    return mjpeg.response(
        mjpeg.frames(center, camera_id, request, lambda: asyncio.to_thread(still), until=until.timestamp())
    )
