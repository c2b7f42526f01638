"""Escalation: events left new past their type's time go to supervisors, once each, audited."""

from __future__ import annotations

import asyncio
import logging

from gwanje.center.core import Center
from gwanje.center.public import event_summary
from gwanje.store import audit
from gwanje.store import events as event_repo

log = logging.getLogger(__name__)
CHECK_S = 2.0


async def escalate_forever(center: Center, every_s: float = CHECK_S) -> None:
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
        for summary in rows:
            center.bus.publish({"kind": "escalation", "data": summary})
            center.bus.publish({"kind": "event_update", "data": summary})


def escalate_once(center: Center, by_type: dict[str, float], default_s: float) -> list[dict]:
    with center.db.sessions.begin() as s:
        rows = event_repo.escalate_due(s, after_s=by_type, default_s=default_s)
        for row in rows:
            audit.record(
                s, username="system", action="event_escalate", target=row.id, detail={"type": row.type}
            )
        return [event_summary(r) for r in rows]
