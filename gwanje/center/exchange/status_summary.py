"""The read-only summary a neighbour (a city dashboard, another center) may read with a
``status``-scope API key: cameras by status, open alerts by type, crowd levels now per zone, open
incidents by kind. Counts and levels only: no picture, no track, no person."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from gwanje.store import alerts as alert_repo
from gwanje.store import incidents as incident_repo
from gwanje.store.db import Database
from gwanje.store.models import AlertRow, utc


def summary(site: str, db: Database, statuses: dict[str, str]) -> dict[str, Any]:
    """``statuses``: camera id → its status now (from the center's health)."""
    by_status = Counter(statuses.values())
    with db.sessions() as s:
        open_q = select(AlertRow.type, func.count()).where(AlertRow.status.in_(alert_repo.open_statuses()))
        by_type = dict(s.execute(open_q.group_by(AlertRow.type)).all())
        crowd_q = select(AlertRow).where(
            AlertRow.type == "crowd",
            AlertRow.status.in_(alert_repo.open_statuses()),
            AlertRow.ended_at.is_(None),
        )
        crowd = [
            {
                "camera_id": a.camera_id,
                "zone": a.zone,
                "level": (a.details or {}).get("level"),
                "density_per_m2": (a.details or {}).get("density"),
                "since": utc(a.first_at).isoformat(),
            }
            for a in s.scalars(crowd_q.order_by(AlertRow.camera_id, AlertRow.zone))
        ]
        incidents = Counter(r.kind for r in incident_repo.in_force(s))
    return {
        "site": site,
        "at": datetime.now(UTC).isoformat(),
        "cameras": {
            "total": len(statuses),
            "online": by_status.get("online", 0),
            "by_status": dict(by_status),
        },
        "open_alerts": {"total": sum(by_type.values()), "by_type": by_type},
        "crowd": crowd,
        "incidents": {"open": sum(incidents.values()), "by_kind": dict(incidents)},
    }
