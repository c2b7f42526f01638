"""The cluster as administrators see it (docs/cluster.md): the nodes holding a lease, what each runs
and what its cameras cost."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field

from gwanje.center.cluster.placement import BUDGET_PER_CAPACITY
from gwanje.web.deps import Admin, Body, CenterDep, audit_now, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/cluster", tags=["cluster"])


@router.get("/nodes")
def nodes(principal: Admin, center: CenterDep, request: Request) -> dict:
    """``transport``; with NATS, each node with a live lease: name, capacity, version, lease age,
    its cameras (status, measured ms per analysed frame, fps) and their load (ms of analysis a
    second)."""
    registry = request.app.state.nodes
    assigner = registry.assigner if registry is not None else None
    nodes = registry.nodes() if registry is not None else []
    for n in nodes:  # what the placement lets it take (ms of analysis a second)
        n["budget_ms"] = round(float(n.get("capacity", 1.0)) * BUDGET_PER_CAPACITY, 1)
    return {
        "transport": center.site.cluster.transport,
        "nodes": nodes,
        "assigner": None
        if assigner is None
        else {
            "me": assigner.me,
            "leader": assigner.leader,
            "placement": assigner.where or {},
            "unplaced": list(assigner.unplaced),
            "drained": sorted(assigner.drained),
            "pinned": dict(assigner.pinned),
        },
    }


def _assigner(request: Request):  # noqa: ANN202
    registry = request.app.state.nodes
    if registry is None or registry.assigner is None:
        raise HTTPException(409, "this center runs its cameras itself (cluster.transport: local)")
    return registry.assigner


class DrainIn(Body):
    drain: bool = True
    reason: str = Field(..., min_length=1, max_length=300)


@router.post("/nodes/{name}/drain", responses=errors(409))
def drain(name: str, body: DrainIn, principal: Admin, center: CenterDep, request: Request) -> dict:
    """Drain a node (its cameras move to others, then it idles), or end the drain."""
    try:
        _assigner(request).set_drain(name, body.drain)
    except RuntimeError as exc:
        raise HTTPException(409, str(exc)) from None
    action = "node_drain" if body.drain else "node_undrain"
    audit_now(center, principal, action, name, {"reason": body.reason}, client_ip(request))
    return {"node": name, "drained": body.drain}


class PinIn(Body):
    node: str | None = Field(None, max_length=64, description="The node (none: place it freely again)")
    reason: str = Field(..., min_length=1, max_length=300)


@router.put("/cameras/{camera_id}/pin", responses=errors(404, 409))
def pin(camera_id: str, body: PinIn, principal: Admin, center: CenterDep, request: Request) -> dict:
    """Run a camera on one node while that node holds a lease."""
    if camera_id not in center.health:
        raise HTTPException(404, f"no camera {camera_id!r}")
    try:
        _assigner(request).set_pin(camera_id, body.node)
    except RuntimeError as exc:
        raise HTTPException(409, str(exc)) from None
    audit_now(
        center,
        principal,
        "camera_pin",
        camera_id,
        {"node": body.node, "reason": body.reason},
        client_ip(request),
    )
    return {"camera_id": camera_id, "node": body.node}
