"""Statistics (with the noisiest rules), map, false-alarm marks, audit trail and the workers'
state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from gwanje.center import audit_chain
from gwanje.store import alerts as alert_repo
from gwanje.store import audit
from gwanje.store import cameras as camera_repo
from gwanje.store import stats as stats_repo
from gwanje.store.models import utc
from gwanje.web.deps import Admin, CenterDep, PrincipalDep, Staff, Supervisor
from gwanje.web.openapi import PLAN_IMAGE, errors

router = APIRouter(prefix="/api", tags=["center"])


@router.get("/stats")
def stats(principal: PrincipalDep, center: CenterDep, days: Annotated[int, Query(ge=1, le=90)] = 14) -> dict:
    with center.db.sessions() as s:
        result = stats_repo.compute(
            s, days=days, tz=center.site.timezone, agency=principal.agency if principal.is_agency else None
        )
    return asdict(result)


@router.get("/stats/noisy")
def noisy(principal: Staff, center: CenterDep, days: Annotated[int, Query(ge=1, le=90)] = 7) -> list[dict]:
    """Rule/camera pairs by their hits: where a badly placed zone makes work for nobody."""
    with center.db.sessions() as s:
        return [asdict(n) for n in stats_repo.noisiest(s, days=days)]


def center_incidents(request: Request) -> list[dict]:
    """The incidents in force, with their cameras (and a moving locator's track)."""
    return request.app.state.incidents.listing()


@router.get("/map")
def site_map(principal: Staff, center: CenterDep, request: Request) -> dict:
    with center.db.sessions() as s:
        cams = [
            {
                "id": r.id,
                "name": r.name,
                "location": r.config.get("location") or {},
                "status": _status(center, r.id),
            }
            for r in camera_repo.all_cameras(s)
        ]
    m = center.settings.map
    plan = m.plan_image
    return {
        "plan_image": "/api/map/plan" if plan is not None and plan.is_file() else None,
        "tile_url": m.tile_url,
        "tile_attribution": m.tile_attribution,
        "max_zoom": m.max_zoom,
        "cameras": cams,
        "incidents": center_incidents(request),
    }


def _status(center, camera_id: str) -> str:  # noqa: ANN001
    h = center.health.get(camera_id)
    return h.state.status.value if h else "offline"


@router.get("/map/plan", responses={**errors(404), **PLAN_IMAGE})
def plan_image(principal: Staff, center: CenterDep) -> FileResponse:
    plan = center.settings.map.plan_image
    if plan is None or not plan.is_file():
        raise HTTPException(404, "no site plan image configured")
    return FileResponse(plan)


@router.get("/false-alarms")
def false_alarms(principal: Staff, center: CenterDep) -> list[dict]:
    with center.db.sessions() as s:
        counts = alert_repo.false_alarm_counts(s)
    return [{"camera_id": c, "rule": r, "count": n} for (c, r), n in sorted(counts.items())]


@router.get("/audit")
def audit_trail(
    principal: Supervisor,
    center: CenterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    action: str | None = None,
) -> list[dict]:
    with center.db.sessions() as s:
        return [audit.as_dict(r) for r in audit.recent(s, limit=limit, action=action)]


@router.get("/audit/head")
def audit_head(principal: Supervisor, center: CenterDep) -> dict:
    """The audit chain's head, signed now with the center's key: keep it somewhere else, and a
    later check shows whether anything up to it was changed or cut off."""
    audit_chain.checkpoint(center.db, center.evidence.key)
    with center.db.sessions() as s:
        cp = audit.checkpoints(s)[-1] if audit.checkpoints(s) else None
    if cp is None:
        return {
            "seq": 0,
            "hash": audit.GENESIS,
            "signature": None,
            "key_fingerprint": center.evidence.fingerprint,
        }
    return {
        "seq": cp.seq,
        "hash": cp.hash,
        "signature": cp.signature,
        "key_fingerprint": cp.key_fingerprint,
        "at": utc(cp.at).isoformat(),
    }


@router.get("/system")
def system(principal: Admin, center: CenterDep) -> dict:
    pool = center.pool
    return {
        "workers": pool.describe() if pool else [],
        "restarts": pool.restarts_logged[-20:] if pool else [],
        "stored_events": center.stored_events,
        "subscribers": center.bus.subscribers,
        "database": center.db.engine.dialect.name,
    }
