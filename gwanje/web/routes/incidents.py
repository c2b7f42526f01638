"""Incidents at a place (docs/exchange.md): from the emergency services' systems by API key (the
smart-city linkage services), from an agency liaison's or the center's own session. While open,
the cameras within the radius rise in triage and show on the map; a vulnerable person's incident
takes new positions and its cameras follow; open → handled → closed, each step audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AwareDatetime, Field

from gwanje.center.exchange.incidents import Caller, IncidentError, Incidents
from gwanje.config.exchange import IncidentKind
from gwanje.web.deps import STAFF, Body, CenterDep, Staff, client_ip, current_principal, plausible_time
from gwanje.web.machine_auth import authenticated, key_of
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/incidents", tags=["incidents"])


def _service(request: Request) -> Incidents:
    return request.app.state.incidents


def incident_caller(request: Request, center: CenterDep) -> Caller:
    """An emergency service's machine (API key with the ``incidents`` scope), or a person signed
    in: staff (the center's own reports) or an agency liaison."""
    if key_of(request):
        row = authenticated(request, center, "incidents")
        return Caller(f"key:{row.source}", row.source, client_ip(request))
    principal = current_principal(request, center)
    if principal.role not in (*STAFF, "agency"):
        raise HTTPException(403, "this needs a staff or agency account, or an API key")
    source = f"agency-{principal.agency}" if principal.role == "agency" else "center"
    return Caller(principal.username, source, client_ip(request), principal.role, principal.agency)


CallerDep = Annotated[Caller, Depends(incident_caller)]
REFUSALS = errors(401, 403, 404, 409, 429)


class IncidentIn(Body):
    kind: IncidentKind = Field(
        "report",
        description="112 video support, 112/119 dispatch, disaster, vulnerable person; report: the center's own",
    )
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    radius_m: float | None = Field(
        None, gt=0, le=20_000, description="Default: per kind (exchange.incidents)"
    )
    ttl_s: float | None = Field(
        None, gt=0, le=86_400, description="report only: it ends by itself after (default 900)"
    )
    occurred_at: AwareDatetime | None = None
    reference: str | None = Field(
        None, min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$", description="The sender's case number"
    )
    note: str = Field("", max_length=300)


class PositionIn(Body):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    at: AwareDatetime | None = None


class StepIn(Body):
    note: str | None = Field(None, max_length=1000)


def _run(call):  # noqa: ANN001, ANN202
    try:
        return call()
    except IncidentError as exc:
        raise HTTPException(exc.status, exc.reason) from None


@router.post("", status_code=201, responses=REFUSALS)
def open_incident(body: IncidentIn, caller: CallerDep, request: Request, center: CenterDep) -> dict:
    """Open an incident; the same (source, reference) again answers the incident already open."""
    plausible_time(center, body.occurred_at, "occurred_at")
    if body.ttl_s is not None and body.kind != "report":
        raise HTTPException(422, "ttl_s is for the center's own reports; other incidents stay until handled")
    ttl = (body.ttl_s or 900.0) if body.kind == "report" else None
    out, _new = _run(
        lambda: _service(request).open(
            caller,
            kind=body.kind,
            lat=body.lat,
            lon=body.lon,
            radius_m=body.radius_m,
            reference=body.reference,
            occurred_at=body.occurred_at,
            note=body.note,
            ttl_s=ttl,
        )
    )
    return out


@router.get("")
def list_incidents(
    principal: Staff, request: Request, everything: bool = Query(False, alias="all")
) -> list[dict]:
    """Incidents in force (``all``: the latest 200, whatever their state)."""
    return _service(request).listing(everything)


@router.post("/{incident_id}/location", responses=REFUSALS)
def move_incident(
    incident_id: str, body: PositionIn, caller: CallerDep, request: Request, center: CenterDep
) -> dict:
    """A vulnerable person's locator moved: the incident's cameras follow."""
    plausible_time(center, body.at, "at")
    return _run(lambda: _service(request).move(caller, incident_id, body.lat, body.lon, body.at))


def _step_route(action: str):  # noqa: ANN202
    def route(incident_id: str, body: StepIn, caller: CallerDep, request: Request) -> dict:
        return _run(lambda: _service(request).step(caller, incident_id, action, body.note))

    route.__name__ = f"incident_{action}"
    route.__doc__ = (
        f"{action.capitalize()} the incident (409 when its state forbids it). A machine acts on its "
        "own system's incidents, an agency liaison on its agency's (404 for the others); an "
        "operator handles any and closes the center's own (403 for another system's)."
    )
    router.post(f"/{{incident_id}}/{action}", responses=REFUSALS)(route)


for _action in ("handle", "close"):
    _step_route(_action)
