"""The cluster as administrators see it (docs/cluster.md): the nodes holding a lease, what each runs
and what its cameras cost."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gwanje.web.deps import Admin, CenterDep

router = APIRouter(prefix="/api/cluster", tags=["cluster"])


@router.get("/nodes")
def nodes(principal: Admin, center: CenterDep, request: Request) -> dict:
    """``transport``; with NATS, each node with a live lease: name, capacity, version, lease age,
    its cameras (status, measured ms per analysed frame, fps) and their load (ms of analysis a
    second)."""
    registry = request.app.state.nodes
    assigner = registry.assigner if registry is not None else None
    return {
        "transport": center.site.cluster.transport,
        "nodes": registry.nodes() if registry is not None else [],
        "assigner": None
        if assigner is None
        else {
            "me": assigner.me,
            "leader": assigner.leader,
            "placement": assigner.where or {},
            "unplaced": list(assigner.unplaced),
        },
    }
