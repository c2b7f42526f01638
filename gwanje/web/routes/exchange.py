"""The webhook outbox as supervisors see it: per receiver what waits, what was delivered and what
failed for good (dead letters), each dead letter replayable or discardable, each such act audited."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import Field

from gwanje.center.exchange.status_summary import summary
from gwanje.store import audit
from gwanje.store import outbox as repo
from gwanje.store.models import iso
from gwanje.store.models_exchange import OutboxRow
from gwanje.web.deps import Body, CenterDep, Supervisor, client_ip
from gwanje.web.machine_auth import StatusKey
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/exchange", tags=["exchange"])


def _public(row: OutboxRow) -> dict:
    data = json.loads(row.body).get("data") or {}
    return {
        "id": row.id,
        "webhook": row.webhook,
        "key": row.key,
        "type": row.type,
        "camera_id": row.camera_id,
        "state": row.state,
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "created_at": iso(row.created_at),
        "next_at": iso(row.next_at),
        "last_at": iso(row.last_at),
        "delivered_at": iso(row.delivered_at),
        "summary": {k: data.get(k) for k in ("kind", "type", "phase", "status") if k in data},
    }


@router.get("/webhooks")
def webhooks(principal: Supervisor, center: CenterDep) -> list[dict]:
    """Each configured receiver with its messages waiting, delivered (kept a while) and dead."""
    with center.db.sessions() as s:
        depths = repo.depths(s)
    empty = {repo.PENDING: 0, repo.DELIVERED: 0, repo.DEAD: 0}
    return [
        {"name": h.name, "url": str(h.url), "kinds": list(h.kinds), **depths.get(h.name, empty)}
        for h in center.site.exchange.webhooks
    ]


@router.get("/deliveries")
def deliveries(
    principal: Supervisor,
    center: CenterDep,
    state: Literal["pending", "delivered", "dead"] = "dead",
    webhook: str | None = Query(None, max_length=64),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    """Messages in one state, the newest first, with a true total."""
    with center.db.sessions() as s:
        total, rows = repo.listing(s, state, webhook, limit, offset)
        return {"total": total, "items": [_public(r) for r in rows]}


class Picked(Body):
    ids: list[int] | None = Field(None, max_length=1000, description="These dead letters (none: all)")
    webhook: str | None = Field(None, max_length=64, description="Only this receiver's")
    reason: str = Field(..., min_length=1, max_length=500)


@router.post("/deliveries/replay", responses=errors(404))
def replay(body: Picked, principal: Supervisor, center: CenterDep, request: Request) -> dict:
    """Dead letters back in the queue, due now, their tries counted afresh."""
    n = _change(
        center, principal, request, body, "webhook_replay", lambda s: repo.replay(s, body.ids, body.webhook)
    )
    if center.webhooks is not None:
        center.webhooks.wake()
    return {"replayed": n}


@router.post("/deliveries/discard", responses=errors(404, 422))
def discard(body: Picked, principal: Supervisor, center: CenterDep, request: Request) -> dict:
    """Dead letters a supervisor decided no receiver needs (named one by one)."""
    if not body.ids:
        raise HTTPException(422, "name the dead letters to discard (ids)")
    n = _change(center, principal, request, body, "webhook_discard", lambda s: repo.discard(s, body.ids))
    return {"discarded": n}


def _change(center, principal, request: Request, body: Picked, action: str, apply) -> int:  # noqa: ANN001
    """The dead letters changed and the audit record of it, in one transaction; how many."""
    if body.webhook is not None and body.webhook not in {h.name for h in center.site.exchange.webhooks}:
        raise HTTPException(404, f"no webhook named {body.webhook!r}")
    with center.db.sessions.begin() as s:
        n = apply(s)
        audit.record(
            s,
            username=principal.username,
            action=action,
            target=body.webhook or "*",
            detail={"ids": body.ids, "count": n, "reason": body.reason},
            ip=client_ip(request),
        )
    return n


@router.get("/status", responses=errors(401, 403, 429))
def status(key: StatusKey, center: CenterDep) -> dict:
    """For a neighbour with a ``status`` key: cameras by status, open alerts by type, crowd levels
    now per zone, open incidents by kind (counts and levels only; no picture, track or person)."""
    statuses = {cid: h.state.status.value for cid, h in center.health.items()}
    return summary(center.site.site, center.db, statuses)
