"""From rule hits to alerts, in the ingest's transaction: each stored hit is silenced by a shelf,
recorded only (below the alerting severity), joins the open alert of its key (perhaps
re-raising it) or opens a new alert; ended hits end their alert's activity. The rules are
``gwanje.triage.alerts``; the rows are ``gwanje.store``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gwanje.config import AlertsConfig, SopStep
from gwanje.domain import Event
from gwanje.store import alerts as alert_repo
from gwanje.store import events as event_repo
from gwanje.store import shelves as shelf_repo
from gwanje.store.models import AlertRow, utc
from gwanje.triage.alerts import Hit, OpenAlert, alert_type_after, family_types, joins, key_of, reraises


@dataclass
class Ingested:
    hits: list[dict[str, Any]]  # the stored hits (column dicts), in order
    ended: dict[str, datetime]  # hit id → end time, for the ends applied
    opened: list[AlertRow] = field(default_factory=list)  # alerts opened by this batch
    changed: list[AlertRow] = field(default_factory=list)  # other alerts a hit joined or ended
    reraised: list[str] = field(default_factory=list)  # alert ids brought back to new
    alert_of: dict[str, str] = field(default_factory=dict)  # hit id → alert id
    shelved: int = 0
    recorded: int = 0


def _open_alert(row: AlertRow) -> OpenAlert:
    return OpenAlert(row.status, row.severity, row.open_hits, utc(row.last_at).timestamp())


def _steps(sop: Mapping[str, Sequence[SopStep]], type_: str) -> list[tuple[str, str]]:
    steps = sop.get(type_) or sop.get("default") or []
    return [(s.ko, s.en) for s in steps]


def ingest_hits(
    session: Session,
    events: Iterable[Event],
    *,
    cfg: AlertsConfig,
    sop: Mapping[str, Sequence[SopStep]],
    snapshot_dir: Path,
    now: datetime,
) -> Ingested:
    hits, ends = event_repo.new_hits(session, events, snapshot_dir=snapshot_dir)
    out = Ingested(hits, {})
    shelves = (
        shelf_repo.active(session, now=now, camera_ids=sorted({h["camera_id"] for h in hits})) if hits else []
    )
    alerting = [h for h in hits if cfg.alerts_on(h["severity"])]
    keys = {key_of(h["camera_id"], h["type"], h["zone"]) for h in alerting}
    pairs = {(h["camera_id"], t) for h in alerting for t in family_types(h["type"])}
    open_by_key = {k: r for k, r in alert_repo.latest_open(session, pairs, key_of).items() if k in keys}
    opened: dict[str, AlertRow] = {}
    changed: dict[str, AlertRow] = {}
    for h in hits:
        shelf = shelf_repo.matching(shelves, h["camera_id"], h["type"], h["zone"])
        if shelf is not None:
            shelf.hits += 1
            h["shelf_id"] = shelf.id
            out.shelved += 1
            continue
        if not cfg.alerts_on(h["severity"]):
            out.recorded += 1
            continue
        key = key_of(h["camera_id"], h["type"], h["zone"])
        hit = Hit(h["type"], h["severity"], utc(h["started_at"]).timestamp(), h["details"])
        row = open_by_key.get(key)
        if row is not None and joins(_open_alert(row), hit, cfg):
            why = reraises(_open_alert(row), hit, cfg)
            alert_repo.add_hit(row, h)
            row.type = alert_type_after(row.type, h["type"])
            if why is not None:
                alert_repo.reraise(session, row, reason=why, now=now)
                out.reraised.append(row.id)
            if row.id not in opened:
                changed[row.id] = row
        else:
            row = alert_repo.open_alert(session, h, alert_id=h["id"], sop=_steps(sop, h["type"]), now=now)
            open_by_key[key] = opened[row.id] = row
        h["alert_id"] = row.id
        out.alert_of[h["id"]] = row.id
    event_repo.insert_hits(session, hits)  # with the alert or shelf each went to
    out.ended = ended = event_repo.apply_ends(session, ends)
    if ended:
        owners = {
            **event_repo.alerts_of(session, list(ended)),
            **{k: v for k, v in out.alert_of.items() if k in ended},
        }
        for row in alert_repo.end_hits(session, [(owners[h], at) for h, at in ended.items() if h in owners]):
            if row.id not in opened:
                changed.setdefault(row.id, row)
            else:
                opened[row.id] = row
    session.flush()
    out.opened, out.changed = list(opened.values()), list(changed.values())
    return out
