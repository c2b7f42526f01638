"""Incidents at a place: the smart-city linkage services (112 emergency video support, 112 and
119 dispatch support, disaster response, a vulnerable person's locator) and the center's own
reports. Opening one stores it (once per source and reference), audits it, and raises the cameras
within its radius in triage until it is handled or closed; a vulnerable person's incident takes
new positions and its camera set follows. Open incidents are placed again after a restart."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from gwanje.center.alerts.triage_service import TriageService
from gwanje.center.refusal import Refusal
from gwanje.config import IncidentsConfig
from gwanje.store import audit
from gwanje.store import incidents as repo
from gwanje.store.models import now_utc, utc
from gwanje.store.models_exchange import IncidentRow

log = logging.getLogger(__name__)
OPEN_FOR_S = 30 * 86400.0  # an open linkage incident raises its cameras until handled (a bound)
LABEL = {
    "police_video": "112 긴급영상 지원",
    "police_dispatch": "112 긴급출동 지원",
    "fire_dispatch": "119 긴급출동 지원",
    "disaster": "재난 긴급대응",
    "vulnerable_person": "사회적 약자 위치",
    "report": "신고 접수",
}


class IncidentError(Refusal):
    pass


# the services an agency's liaison speaks for: besides what its own sessions opened, a liaison
# acts on the incidents of these kinds (a police liaison on 112's, a fire liaison on 119's)
AGENCY_KINDS = {
    "police": frozenset({"police_video", "police_dispatch"}),
    "fire": frozenset({"fire_dispatch"}),
}


@dataclass(frozen=True)
class Caller:
    """Who acts: a person (username) or a machine (``key:<source>``), and the system it speaks for;
    ``role`` is the person's (``key`` for a machine), ``agency`` a liaison's."""

    username: str
    source: str
    ip: str | None = None
    role: str = "key"
    agency: str | None = None


def may_act(caller: Caller, row: IncidentRow, action: str) -> int | None:
    """None when ``caller`` may ``action`` (move, handle, close) the incident, else the refusal's
    status: 404 for a machine or a liaison outside its own incidents (they cannot list the
    others, so they do not learn of them), 403 for an operator closing another system's."""
    if caller.role == "key":
        return None if row.source == caller.source else 404
    if caller.role == "agency":
        own = row.source == caller.source or row.kind in AGENCY_KINDS.get(caller.agency or "", ())
        return None if own else 404
    if caller.role == "operator" and action == "close" and row.source != "center":
        return 403  # operators handle; closing another system's incident is a supervisor's
    return None


class Incidents:
    def __init__(self, triage: TriageService, config: IncidentsConfig) -> None:
        self.triage, self.config = triage, config
        self.db = triage.center.db

    def _note(self, row: IncidentRow) -> str:
        """What the wall's tile says: a center report its note; a linkage incident its service,
        the sender's case number and note."""
        if row.kind == "report":
            return row.note or LABEL["report"]
        return " · ".join(p for p in (LABEL.get(row.kind, row.kind), row.reference, row.note) if p)

    def _place(self, row: IncidentRow, lat: float, lon: float) -> list[str]:
        """Raise the cameras around (lat, lon) for the incident; those cameras, the nearest first."""
        until = utc(row.until).timestamp() if row.until else time.time() + OPEN_FOR_S
        return self.triage.place(
            row.id, lat, lon, row.radius_m, until, self._note(row), self.config.edge_share
        )

    def restore(self) -> int:
        """Place the incidents still open (at start)."""
        with self.db.sessions() as s:
            rows = repo.in_force(s)
        for row in rows:
            try:
                self._place(row, row.lat, row.lon)
            except ValueError as exc:
                log.warning("incident %s cannot be placed: %s", row.id, exc)
        return len(rows)

    def open(
        self,
        caller: Caller,
        *,
        kind: str,
        lat: float,
        lon: float,
        radius_m: float | None,
        reference: str | None,
        occurred_at: datetime | None,
        note: str,
        ttl_s: float | None = None,
    ) -> tuple[dict, bool]:
        """The incident (stored, audited, its cameras raised) and whether it is new; the same
        (source, reference) again is the incident already open."""
        reference = reference or f"{caller.source}-{secrets.token_hex(4)}"
        with self.db.sessions() as s:
            known = repo.by_reference(s, caller.source, reference)
            if known is not None:
                return repo.public(known), False
        now = now_utc()
        row = IncidentRow(
            id=f"inc-{now:%Y%m%d}-{secrets.token_hex(4)}",
            kind=kind,
            status=repo.OPEN,
            lat=lat,
            lon=lon,
            radius_m=radius_m or self.config.radius_for(kind),
            occurred_at=occurred_at or now,
            source=caller.source,
            reference=reference,
            note=note,
            cameras=[],
            track=[[lat, lon, (occurred_at or now).isoformat()]],
            until=now + timedelta(seconds=ttl_s) if ttl_s else None,
            created_by=caller.username,
            created_at=now,
            updated_at=now,
        )
        try:
            row.cameras = self._place(row, lat, lon)
        except ValueError as exc:
            raise IncidentError(409, str(exc)) from None
        try:
            with self.db.sessions.begin() as s:
                s.add(row)
                audit.record(
                    s,
                    username=caller.username,
                    action="incident_open",
                    target=row.id,
                    detail={
                        "kind": kind,
                        "source": caller.source,
                        "reference": reference,
                        "cameras": row.cameras,
                    },
                    ip=caller.ip,
                )
                out = repo.public(row)
        except Exception:
            self.triage.unplace(row.id)  # nothing stored: nothing raised
            raise
        self.triage.tick()
        return out, True

    def move(self, caller: Caller, incident_id: str, lat: float, lon: float, at: datetime | None) -> dict:
        """A new position of a moving locator: the camera set follows it."""
        moved_from: tuple[IncidentRow, float, float] | None = None  # raised anew, not yet stored
        try:
            with self.db.sessions.begin() as s:
                row = self._own(s, caller, incident_id, "move")
                if row.kind != "vulnerable_person":
                    raise IncidentError(409, "only a vulnerable person's incident moves (its locator)")
                if row.status != repo.OPEN:
                    raise IncidentError(409, f"the incident is {row.status}")
                try:
                    cameras = self._place(row, lat, lon)
                except ValueError as exc:
                    raise IncidentError(409, str(exc)) from None
                moved_from = row, row.lat, row.lon
                repo.move(row, lat, lon, at or now_utc(), cameras)
                audit.record(
                    s,
                    username=caller.username,
                    action="incident_move",
                    target=row.id,
                    detail={"lat": lat, "lon": lon, "cameras": cameras},
                    ip=caller.ip,
                )
                out = repo.public(row)
        except Exception:
            if moved_from is not None:  # not stored: the raised cameras go back to where the store says
                self._place(*moved_from)
            raise
        self.triage.tick()
        return out

    def step(self, caller: Caller, incident_id: str, action: str, note: str | None) -> dict:
        with self.db.sessions.begin() as s:
            row = self._own(s, caller, incident_id, action)
            try:
                repo.step(row, action, caller.username)
            except repo.Illegal as exc:
                raise IncidentError(409, str(exc)) from None
            audit.record(
                s,
                username=caller.username,
                action=f"incident_{action}",
                target=row.id,
                detail={"note": note} if note else None,
                ip=caller.ip,
            )
            out = repo.public(row)
        self.triage.unplace(incident_id)  # handled or closed: its cameras need no raising
        self.triage.tick()
        return out

    def _own(self, s, caller: Caller, incident_id: str, action: str) -> IncidentRow:  # noqa: ANN001
        """The incident, locked, when ``caller`` may ``action`` it (``may_act``)."""
        try:
            row = repo.get(s, incident_id, lock=True)
        except repo.NotFound as exc:
            raise IncidentError(404, str(exc)) from None
        refused = may_act(caller, row, action)
        if refused == 404:
            raise IncidentError(404, f"no incident {incident_id!r}")
        if refused is not None:
            raise IncidentError(
                refused, "closing another system's incident is for a supervisor; an operator marks it handled"
            )
        return row

    def listing(self, everything: bool = False) -> list[dict]:
        with self.db.sessions() as s:
            rows = repo.recent(s) if everything else repo.in_force(s)
            return [repo.public(r) for r in rows]
