"""The alert queue: paged and filtered listing with true totals, detail with its hits, lifecycle
actions (409 when the state forbids them), SOP ticks and the best or latest snapshot."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.center.alerts.public import alert_detail, alert_summary
from gwanje.domain import EventType, Severity
from gwanje.store import alerts as repo
from gwanje.store import audit
from gwanje.store import events as event_repo
from gwanje.store.lifecycle import Action, IllegalTransition
from gwanje.store.users import AGENCIES
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, Moment, PrincipalDep, Staff, client_ip
from gwanje.web.openapi import IMAGE, errors

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

StatusName = Literal["new", "acknowledged", "dispatched", "resolved", "false_alarm", "open", "closed"]
HITS_SHOWN = 200


def _agency(principal: Principal) -> str | None:
    return principal.agency if principal.is_agency else None


@router.get("")
def list_alerts(
    principal: PrincipalDep,
    center: CenterDep,
    status: Annotated[list[StatusName] | None, Query()] = None,
    type: Annotated[list[EventType] | None, Query()] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    camera: Annotated[str | None, Query(max_length=64)] = None,
    since: Moment | None = None,
    until: Moment | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the camera, zone or notes")] = None,
    escalated: bool | None = None,
    order: Literal["queue", "latest"] = "queue",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    """One page of alerts and how many match in all (the queue's badge is this total)."""
    wanted: list[str] | None = None
    if status:
        wanted = [s for s in status if s not in ("open", "closed")]
        if "open" in status:
            wanted += repo.open_statuses()
        if "closed" in status:
            wanted += ["resolved", "false_alarm"]
    f = repo.Filter(
        status=wanted,
        type=[t.value for t in type] if type else None,
        severity=[s.value for s in severity] if severity else None,
        camera_id=camera,
        since=since,
        until=until,
        text=q.strip() if q and q.strip() else None,
        agency=_agency(principal),
        escalated=escalated,
    )
    with center.db.sessions() as s:
        total, rows = repo.query(s, f, order=order, offset=offset, limit=limit)
        return {"total": total, "offset": offset, "limit": limit, "items": [alert_summary(r) for r in rows]}


@router.get("/counts")
def counts(principal: PrincipalDep, center: CenterDep) -> dict:
    """Open alerts in all, new ones, escalated ones: the badges."""
    with center.db.sessions() as s:
        return repo.counts(s, agency=_agency(principal))


@router.get("/{alert_id}")
def get_alert(alert_id: str, principal: PrincipalDep, center: CenterDep) -> dict:
    with center.db.sessions() as s:
        try:
            row = repo.get(s, alert_id, agency=_agency(principal))
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return alert_detail(row, event_repo.query(s, alert_id=alert_id, limit=HITS_SHOWN))


@router.get("/{alert_id}/snapshot", responses=IMAGE)
def snapshot(
    alert_id: str,
    principal: PrincipalDep,
    center: CenterDep,
    request: Request,
    which: Literal["best", "latest"] = "best",
) -> FileResponse:
    """The alert's best (most confident) or latest snapshot; the view is audited."""
    with center.db.sessions.begin() as s:
        try:
            row = repo.get(s, alert_id, agency=_agency(principal))
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        hit_id = row.best_event_id if which == "best" else row.latest_event_id
        if hit_id is None:
            raise HTTPException(404, f"alert {alert_id!r} has no snapshot")
        hit = event_repo.get(s, hit_id)
        audit.record(
            s, username=principal.username, action="view_snapshot", target=hit_id, ip=client_ip(request)
        )
    path = (center.snapshot_dir / (hit.snapshot_path or "")).resolve()
    if not path.is_file() or center.snapshot_dir.resolve() not in path.parents:
        raise HTTPException(404, "snapshot file missing")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


class ActionIn(Body):
    note: str | None = Field(None, max_length=2000)
    agency: str | None = Field(None, description="dispatch only: police, fire, ambulance, district")


def act(
    alert_id: str, action: Action, body: ActionIn, principal: Staff, center: CenterDep, request: Request
) -> dict:
    if action == Action.DISPATCH and body.agency not in AGENCIES:
        raise HTTPException(422, f"dispatch needs agency, one of: {', '.join(AGENCIES)}")
    with center.db.sessions.begin() as s:
        try:
            row = repo.act(
                s, alert_id, action, username=principal.username, note=body.note, agency=body.agency
            )
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except IllegalTransition as exc:
            raise HTTPException(409, str(exc)) from None
        detail = {"to": row.status, "note": body.note, "agency": body.agency}
        out = _audited_detail(s, principal, request, f"alert_{action.value}", alert_id, alert_id, detail)
        center.stage_alert(s, _summary_of(out))
    center.alert_changed(_summary_of(out))
    return out


def _action_route(action: Action):  # noqa: ANN202 - a route of its own per action (405, not 422, elsewhere)
    def route(alert_id: str, body: ActionIn, principal: Staff, center: CenterDep, request: Request) -> dict:
        return act(alert_id, action, body, principal, center, request)

    route.__name__ = f"alert_{action.value}"
    route.__doc__ = (
        f"{action.value.replace('_', ' ').capitalize()} the alert (409 when its state forbids it)."
    )
    router.post(f"/{{alert_id}}/{action.value}", responses=errors(409))(route)


for _action in Action:
    _action_route(_action)


class SopIn(Body):
    done: bool = True


@router.post("/{alert_id}/sop/{position}", responses=errors(409))
def tick(
    alert_id: str,
    position: int,
    body: SopIn,
    principal: Staff,
    center: CenterDep,
    request: Request,
) -> dict:
    if not 0 <= position <= 1000:
        raise HTTPException(404, f"alert {alert_id!r} has no SOP step {position}")
    with center.db.sessions.begin() as s:
        try:
            repo.tick_sop(s, alert_id, position, username=principal.username, done=body.done)
        except repo.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except repo.Closed as exc:
            raise HTTPException(409, str(exc)) from None
        action = "sop_tick" if body.done else "sop_untick"
        out = _audited_detail(s, principal, request, action, f"{alert_id}#{position}", alert_id)
    center.alert_changed(_summary_of(out))
    return out


def _summary_of(detail: dict) -> dict:
    return {k: v for k, v in detail.items() if k not in ("hits",)}


def _audited_detail(
    s,  # noqa: ANN001 - the request's session
    principal: Principal,
    request: Request,
    action: str,
    target: str,
    alert_id: str,
    detail: dict | None = None,
) -> dict:
    """Record who changed the alert, then read it back as the console shows it."""
    audit.record(
        s, username=principal.username, action=action, target=target, detail=detail, ip=client_ip(request)
    )
    s.flush()
    return alert_detail(repo.get(s, alert_id), event_repo.query(s, alert_id=alert_id, limit=HITS_SHOWN))
