"""API keys of other systems' machines, kept by administrators: made (the key shown once, never
again), listed with their use and refusals, revoked; each made and revoked key audited."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field

from gwanje.store import api_keys as repo
from gwanje.store import audit
from gwanje.web.deps import Admin, Body, CenterDep, RowId, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/exchange/keys", tags=["exchange"])


class KeyIn(Body):
    source: str = Field(
        ..., pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$", description="The sending system, e.g. bell-osan"
    )
    scopes: list[str] = Field(..., min_length=1, max_length=3, description="alarms, incidents, status")
    cameras: list[str] = Field(
        ["*"], min_length=1, max_length=5000, description='Camera ids, or ["*"] for all'
    )
    rate_per_min: int = Field(120, ge=1, le=60000)
    days: float | None = Field(None, gt=0, le=3650, description="Expires after (none: until revoked)")
    note: str | None = Field(None, max_length=300)


@router.get("")
def list_keys(principal: Admin, center: CenterDep) -> dict:
    with center.db.sessions() as s:
        keys = [repo.public(r) for r in repo.listing(s)]
    inbound = center.inbound
    return {"keys": keys, "accepted": inbound.accepted, "refused": dict(inbound.refused)}


@router.post("", status_code=201)
def make_key(body: KeyIn, principal: Admin, center: CenterDep, request: Request) -> dict:
    """A new key; the answer's ``key`` is the only time it is shown."""
    with center.db.sessions.begin() as s:
        try:
            row, key = repo.create(
                s,
                source=body.source,
                scopes=body.scopes,
                cameras=body.cameras,
                created_by=principal.username,
                rate_per_min=body.rate_per_min,
                days=body.days,
                note=body.note,
            )
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="api_key_add",
            target=body.source,
            detail={"id": row.id, "prefix": row.prefix, "scopes": row.scopes, "cameras": row.cameras[:50]},
            ip=client_ip(request),
        )
        return {**repo.public(row), "key": key}


@router.delete("/{key_id}", responses=errors(404))
def revoke_key(key_id: RowId, principal: Admin, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            row = repo.revoke(s, key_id, principal.username)
        except repo.NoSuchKey as exc:
            raise HTTPException(404, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="api_key_revoke",
            target=row.source,
            detail={"id": row.id, "prefix": row.prefix},
            ip=client_ip(request),
        )
        return repo.public(row)
