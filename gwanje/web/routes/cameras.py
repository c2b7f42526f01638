"""Cameras: list with health, add / change / remove without a restart, live view (MJPEG)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from gwanje.center.core import Center
from gwanje.config import CameraConfig
from gwanje.store import alerts as alert_repo
from gwanje.store import audit
from gwanje.store import cameras as repo
from gwanje.store.events import NotFound
from gwanje.store.models import CameraRow, now_utc, utc
from gwanje.web import mjpeg
from gwanje.web.auth import Principal
from gwanje.web.deps import Admin, CenterDep, PrincipalDep, client_ip, still_allowed
from gwanje.web.openapi import MJPEG, errors

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


def _health(center: Center, camera_id: str) -> dict[str, Any]:
    h = center.health.get(camera_id)
    if h is None:
        return {"status": "offline"}
    st = h.state
    return {
        "status": st.status.value,
        "fps": round(st.measured_fps, 2),
        "lag_s": round(st.lag_s, 2),
        "frames": st.frames,
        "reconnects": st.reconnects,
        "last_frame_at": st.last_frame_at.isoformat() if st.last_frame_at else None,
        "last_error": st.last_error,
        "worker": h.worker,
        "detector_ms": round(h.detector_ms, 1),
        "methods": dict(h.methods),
        "recording": h.recording,
    }


def _camera_out(center: Center, row) -> dict[str, Any]:  # noqa: ANN001 - CameraRow
    cfg = row.config
    return {
        "id": row.id,
        "name": row.name,
        "url": _shown(cfg),
        "enabled": row.enabled,
        "location": cfg.get("location") or {},
        "zones": [{"name": z.name, "polygon": z.polygon, "rules": z.rules} for z in row.zones],
        "health": _health(center, row.id),
    }


def _shown(cfg: dict) -> str | None:
    url = cfg.get("url")
    if not url or not cfg.get("username"):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc))


def _redacted(cfg: dict) -> dict:
    """A camera's config as shown: the password as *** (the URL never carries credentials)."""
    return {**cfg, "password": "***"} if cfg.get("password") else cfg


def visible_cameras(center: Center, principal: Principal, *, ever: bool = False) -> set[str] | None:
    """Agency liaisons see only cameras of alerts dispatched to their agency and still open (or
    closed less than ``server.agency_live_after_close_s`` ago); ``ever``: of any alert ever
    dispatched to them (what they may ask footage of). None: all."""
    if not principal.is_agency:
        return None
    grace = timedelta(seconds=center.settings.agency_live_after_close_s)
    now = now_utc()
    with center.db.sessions() as s:
        _, rows = alert_repo.query(s, alert_repo.Filter(agency=principal.agency), limit=1000)
        return {a.camera_id for a in rows if ever or a.closed_at is None or now - utc(a.closed_at) < grace}


@router.get("")
def list_cameras(principal: PrincipalDep, center: CenterDep) -> list[dict]:
    visible = visible_cameras(center, principal)
    with center.db.sessions() as s:
        return [_camera_out(center, r) for r in repo.all_cameras(s) if visible is None or r.id in visible]


@router.get("/{camera_id}")
def get_camera(camera_id: str, principal: PrincipalDep, center: CenterDep) -> dict:
    visible = visible_cameras(center, principal)
    with center.db.sessions() as s:
        try:
            row = repo.get(s, camera_id)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        if visible is not None and camera_id not in visible:
            raise HTTPException(404, f"no camera {camera_id!r}")
        out = _camera_out(center, row)
        if not principal.is_agency:
            out["config"] = _redacted(row.config)
        return out


@router.put("/{camera_id}")
def put_camera(
    camera_id: str,
    principal: Admin,
    center: CenterDep,
    request: Request,
    config: Annotated[dict[str, Any], Body(description="The camera as in the site YAML (CameraConfig)")],
    enabled: bool = True,
) -> dict:
    if config.get("id", camera_id) != camera_id:
        raise HTTPException(422, f"the body's id {config.get('id')!r} is not the URL's {camera_id!r}")
    with center.db.sessions() as s:
        stored = s.get(CameraRow, camera_id)
        old = dict(stored.config) if stored is not None else {}
    body = {**config, "id": camera_id}
    if body.get("password") == "***" or "***@" in str(body.get("url", "")):  # as shown: keep what is stored
        body["password"] = old.get("password")
        body.setdefault("username", old.get("username"))
    try:
        camera = CameraConfig.model_validate(body)
    except ValidationError as exc:
        msgs = [
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}"
            for e in exc.errors()
        ]
        raise HTTPException(422, "; ".join(msgs)) from None
    with center.db.sessions.begin() as s:
        unknown = sorted(
            {n.camera for n in camera.neighbours} - repo.existing(s, [n.camera for n in camera.neighbours])
        )
        if unknown:
            raise HTTPException(422, f"neighbours: no such camera: {', '.join(unknown)}")
        row, created = repo.put(s, camera, enabled=enabled)
        audit.record(
            s,
            username=principal.username,
            action="camera_add" if created else "camera_change",
            target=camera_id,
            detail={"url": camera.shown_url(), "enabled": enabled},
            ip=client_ip(request),
        )
        out = _camera_out(center, row)
    center.camera_changed(camera, enabled)
    center.bus.publish({"kind": "camera", "data": {"id": camera_id, "change": "put"}})
    return out


@router.delete("/{camera_id}")
def delete_camera(camera_id: str, principal: Admin, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            repo.delete(s, camera_id, username=principal.username)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        audit.record(
            s, username=principal.username, action="camera_remove", target=camera_id, ip=client_ip(request)
        )
    center.camera_removed(camera_id)
    center.bus.publish({"kind": "camera", "data": {"id": camera_id, "change": "removed"}})
    return {"removed": camera_id}


@router.get("/{camera_id}/live.mjpg", responses={**errors(429), **MJPEG})
async def live(
    camera_id: str, principal: PrincipalDep, center: CenterDep, request: Request
) -> StreamingResponse:
    """The camera's annotated live view as multipart JPEG, decoded once in its worker."""
    visible = await asyncio.to_thread(visible_cameras, center, principal)
    if camera_id not in center.health or (visible is not None and camera_id not in visible):
        raise HTTPException(404, f"no camera {camera_id!r}")
    slots = request.app.state.streams
    slots.take(principal)
    await asyncio.to_thread(_audit_view, center, principal, camera_id, client_ip(request))

    def still_visible() -> bool:
        shown = visible_cameras(center, principal)
        return camera_id in center.health and (shown is None or camera_id in shown)

    async def parts():
        """Ends within RECHECK_S of the session ending or the camera no longer being the viewer's."""
        try:
            async for part in mjpeg.frames(
                center, camera_id, request, lambda: still_allowed(center, request, principal, still_visible)
            ):
                yield part
        finally:
            slots.give(principal)

    return mjpeg.response(parts())


def _audit_view(center: Center, principal: Principal, camera_id: str, ip: str) -> None:
    with center.db.sessions.begin() as s:
        audit.record(s, username=principal.username, action="view_live", target=camera_id, ip=ip)
