"""Escalation: alerts left new past their type's time are brought to the supervisors' attention,
once each, audited. They stay on the operator's wall: escalation adds eyes, it takes none away."""

from __future__ import annotations

import asyncio
import logging

from gwanje.center.alerts.host import AlertHost
from gwanje.center.alerts.public import alert_summary
from gwanje.store import alerts as alert_repo
from gwanje.store import audit

log = logging.getLogger(__name__)
CHECK_S = 2.0


async def escalate_forever(center: AlertHost, every_s: float = CHECK_S) -> None:
    """Every ``every_s``: escalate what is due and tell the consoles (until cancelled)."""
    s_cfg = center.settings
    while True:
        await asyncio.sleep(every_s)
        try:
            rows = await asyncio.to_thread(
                escalate_once, center, s_cfg.escalate_by_type, s_cfg.escalate_after_s
            )
        except Exception:
            log.exception("escalation check failed")
            continue
        if rows:
            center.on_alerts_changed(rows, set())
        for summary in rows:
            center.bus.publish({"kind": "escalation", "data": summary})
            center.bus.publish({"kind": "alert_update", "data": summary})
        if rows:
            center.counts_changed()


def escalate_once(center: AlertHost, by_type: dict[str, float], default_s: float) -> list[dict]:
    with center.db.sessions.begin() as s:
        rows = alert_repo.escalate_due(s, after_s=by_type, default_s=default_s)
        for row in rows:
            audit.record(
                s, username="system", action="alert_escalate", target=row.id, detail={"type": row.type}
            )
        return [alert_summary(r) for r in rows]
