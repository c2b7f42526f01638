"""Statistics, map, false-alarm marks, audit trail, users and the workers' state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from gwanje.store import audit
from gwanje.store import cameras as camera_repo
from gwanje.store import events as event_repo
from gwanje.store import stats as stats_repo
from gwanje.store.models import UserRow, utc
from gwanje.store.users import Role, UserError, create_user
from gwanje.web.deps import Admin, CenterDep, PrincipalDep, Staff, Supervisor, client_ip

router = APIRouter(prefix="/api", tags=["center"])


@router.get("/stats")
def stats(principal: PrincipalDep, center: CenterDep, days: Annotated[int, Query(ge=1, le=90)] = 14) -> dict:
    with center.db.sessions() as s:
        result = stats_repo.compute(
            s, days=days, tz=center.site.timezone, agency=principal.agency if principal.is_agency else None
        )
    return asdict(result)


@router.get("/map")
def site_map(principal: Staff, center: CenterDep) -> dict:
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
    plan = center.settings.map.plan_image
    return {"plan_image": "/api/map/plan" if plan is not None and plan.is_file() else None, "cameras": cams}


def _status(center, camera_id: str) -> str:  # noqa: ANN001
    h = center.health.get(camera_id)
    return h.state.status.value if h else "offline"


@router.get("/map/plan")
def plan_image(principal: Staff, center: CenterDep) -> FileResponse:
    plan = center.settings.map.plan_image
    if plan is None or not plan.is_file():
        raise HTTPException(404, "no site plan image configured")
    return FileResponse(plan)


@router.get("/false-alarms")
def false_alarms(principal: Staff, center: CenterDep) -> list[dict]:
    with center.db.sessions() as s:
        counts = event_repo.false_alarm_counts(s)
    return [{"camera_id": c, "rule": r, "count": n} for (c, r), n in sorted(counts.items())]


@router.get("/audit")
def audit_trail(
    principal: Supervisor,
    center: CenterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    action: str | None = None,
) -> list[dict]:
    with center.db.sessions() as s:
        return [
            {
                "id": r.id,
                "at": utc(r.at).isoformat(),
                "username": r.username,
                "action": r.action,
                "target": r.target,
                "detail": r.detail,
                "ip": r.ip,
            }
            for r in audit.recent(s, limit=limit, action=action)
        ]


class UserIn(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=8, max_length=256)
    role: Role
    agency: str | None = None
    display_name: str = Field("", max_length=100)


@router.get("/users")
def users(principal: Admin, center: CenterDep) -> list[dict]:
    from sqlalchemy import select

    with center.db.sessions() as s:
        return [
            {
                "username": u.username,
                "role": u.role,
                "agency": u.agency,
                "display_name": u.display_name,
                "active": u.active,
            }
            for u in s.scalars(select(UserRow).order_by(UserRow.username))
        ]


@router.post("/users", status_code=201)
def add_user(body: UserIn, principal: Admin, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            user = create_user(
                s,
                username=body.username,
                password=body.password,
                role=body.role,
                agency=body.agency,
                display_name=body.display_name,
            )
        except UserError as exc:
            raise HTTPException(409 if "exists" in str(exc) else 422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="user_add",
            target=user.username,
            detail={"role": user.role},
            ip=client_ip(request),
        )
        return {"username": user.username, "role": user.role, "agency": user.agency}


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
