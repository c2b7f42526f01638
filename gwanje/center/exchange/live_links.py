"""Time-limited live views for agencies (docs/exchange.md): a supervisor issues a link from an
incident or an alert, for some cameras, to one agency account or by a one-time code for a patrol
officer's phone; it can be revoked at any time and ends by itself (30 minutes by default). Each
opening is audited and written to the personal-video ledger as a viewing (열람) on screen.

A code is exchanged once (``redeem``) for a viewer token that browser keeps; a wrong code counts,
and five wrong codes revoke the link. Only hashes of codes and tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from gwanje.center.refusal import Refusal
from gwanje.store import audit, ledger
from gwanje.store import cameras as camera_repo
from gwanje.store.db import Database
from gwanje.store.models import UserRow, iso, now_utc, utc
from gwanje.store.models_exchange import LiveLinkRow

MAX_CODE_FAILURES = 5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a radio


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class LinkError(Refusal):
    pass


@dataclass(frozen=True)
class Viewer:
    """Who is looking through a link: an agency account, or the browser a code was used in."""

    username: str | None = None
    agency: str | None = None
    token: str | None = None

    @property
    def name(self) -> str:
        return self.username or "one-time code"


def state(row: LiveLinkRow, now: datetime | None = None) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if utc(row.expires_at) <= (now or now_utc()):
        return "expired"
    return "active"


def public(row: LiveLinkRow) -> dict:
    return {
        "id": row.id,
        "agency": row.agency,
        "username": row.username,
        "by_code": row.code_hash is not None,
        "code_used": row.code_used_at is not None,
        "cameras": row.cameras,
        "incident_id": row.incident_id,
        "alert_id": row.alert_id,
        "follow_id": row.follow_id,
        "purpose": row.purpose,
        "legal_basis": row.legal_basis,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_by": row.revoked_by,
        "opened": row.opened,
        "state": state(row),
        "url": f"/live/{row.id}",
    }


class LiveLinks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def issue(
        self,
        *,
        by: str,
        ip: str | None,
        agency: str,
        cameras: list[str],
        minutes: float,
        username: str | None,
        by_code: bool,
        incident_id: str | None,
        alert_id: str | None,
        purpose: str,
        legal_basis: str,
        follow_id: str | None = None,
    ) -> tuple[dict, str | None]:
        """The link, and its one-time code when issued by code (shown this once)."""
        if (username is None) == (not by_code):
            raise LinkError(
                422, "issue the link either to an agency account (username) or by a one-time code"
            )
        if incident_id is None and alert_id is None and follow_id is None:
            raise LinkError(
                422, "a live view is issued from an incident, an alert or a follow (incident_id, alert_id)"
            )
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8)) if by_code else None
        now = now_utc()
        with self.db.sessions.begin() as s:
            unknown = sorted(set(cameras) - camera_repo.existing(s, cameras))
            if unknown:
                raise LinkError(404, f"no such camera: {', '.join(unknown)}")
            if username is not None:
                user = s.query(UserRow).filter_by(username=username).one_or_none()
                if user is None or user.role != "agency" or user.agency != agency or not user.active:
                    raise LinkError(422, f"{username!r} is not an active {agency} agency account")
            row = LiveLinkRow(
                id=f"lv-{secrets.token_urlsafe(12)}",
                agency=agency,
                username=username,
                code_hash=_hash(code) if code else None,
                code_failures=0,
                cameras=list(dict.fromkeys(cameras)),
                incident_id=incident_id,
                alert_id=alert_id,
                follow_id=follow_id,
                purpose=purpose,
                legal_basis=legal_basis,
                created_by=by,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
                opened=0,
            )
            s.add(row)
            audit.record(
                s,
                username=by,
                action="live_link_issue",
                target=row.id,
                detail={
                    "agency": agency,
                    "username": username,
                    "by_code": by_code,
                    "cameras": row.cameras,
                    "minutes": minutes,
                },
                ip=ip,
            )
            return public(row), code

    def follow_moved(self, link_id: str, camera_id: str) -> None:
        """A shared follow moved on to another camera: the link shows that one now (audited)."""
        with self.db.sessions.begin() as s:
            row = s.get(LiveLinkRow, link_id, with_for_update=True)
            if row is None or state(row) != "active" or row.cameras == [camera_id]:
                return
            before, row.cameras = row.cameras, [camera_id]
            audit.record(
                s,
                username="system",
                action="live_link_follow",
                target=link_id,
                detail={"follow": row.follow_id, "from": before, "to": [camera_id]},
            )

    def revoke(self, link_id: str, by: str, ip: str | None) -> dict:
        with self.db.sessions.begin() as s:
            row = self._get(s, link_id)
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = now_utc(), by
            audit.record(s, username=by, action="live_link_revoke", target=link_id, ip=ip)
            return public(row)

    def listing(self, agency_user: str | None = None) -> list[dict]:
        """Links of the last day (for an agency account: its own, still active)."""
        since = now_utc() - timedelta(days=1)
        with self.db.sessions() as s:
            q = s.query(LiveLinkRow).filter(LiveLinkRow.created_at >= since)
            if agency_user is not None:
                q = q.filter(LiveLinkRow.username == agency_user)
            rows = q.order_by(LiveLinkRow.created_at.desc()).all()
            out = [public(r) for r in rows]
        return [o for o in out if agency_user is None or o["state"] == "active"]

    def _get(self, s, link_id: str, lock: bool = True) -> LiveLinkRow:  # noqa: ANN001 - a session
        row = s.get(LiveLinkRow, link_id, with_for_update=lock) if len(link_id) <= 40 else None
        if row is None:
            raise LinkError(404, "no such live view")
        return row

    def _usable(self, row: LiveLinkRow) -> None:
        st = state(row)
        if st != "active":
            raise LinkError(410, f"this live view has {'been revoked' if st == 'revoked' else 'expired'}")

    def redeem(self, link_id: str, code: str, ip: str | None) -> tuple[dict, str]:
        """A one-time code exchanged for a viewer token (the browser keeps it until expiry)."""
        with self.db.sessions.begin() as s:
            row = self._get(s, link_id)
            self._usable(row)
            if row.code_hash is None:
                raise LinkError(404, "no such live view")
            if row.code_used_at is not None:
                raise LinkError(410, "this code has been used; ask the center for a new one")
            if not secrets.compare_digest(_hash(code.strip().upper()), row.code_hash):
                row.code_failures += 1
                if row.code_failures >= MAX_CODE_FAILURES:
                    row.revoked_at, row.revoked_by = now_utc(), "system"
                audit.record(s, username="code", action="live_link_code_refused", target=link_id, ip=ip)
                failed = row.code_failures
            else:
                failed = 0
                token = secrets.token_urlsafe(32)
                row.code_used_at, row.viewer_hash = now_utc(), _hash(token)
                self._opened(s, row, Viewer(token=token), ip)
                return public(row), token
        raise LinkError(403, f"wrong code ({failed} of {MAX_CODE_FAILURES} tries)")

    def open(self, link_id: str, viewer: Viewer, ip: str | None) -> dict:
        """An agency account opens its link (audited, in the ledger)."""
        with self.db.sessions.begin() as s:
            row = self._get(s, link_id)
            self._check_viewer(row, viewer)
            self._usable(row)
            self._opened(s, row, viewer, ip)
            return public(row)

    def _check_viewer(self, row: LiveLinkRow, viewer: Viewer) -> None:
        if row.username is not None:
            ok = viewer.username == row.username and viewer.agency == row.agency
        else:
            ok = (
                viewer.token is not None
                and row.viewer_hash is not None
                and secrets.compare_digest(_hash(viewer.token), row.viewer_hash)
            )
        if not ok:
            raise LinkError(404, "no such live view")

    def _opened(self, s, row: LiveLinkRow, viewer: Viewer, ip: str | None) -> None:  # noqa: ANN001
        row.opened += 1
        audit.record(
            s,
            username=viewer.username or f"code:{row.id}",
            action="live_link_open",
            target=row.id,
            detail={"cameras": row.cameras, "agency": row.agency},
            ip=ip,
        )
        until = utc(row.expires_at)
        ledger.add(
            s,
            kind="view",
            file_name=f"실시간 영상 ({', '.join(row.cameras)})",
            file_form="실시간 영상 (MJPEG)",
            handler=row.created_by,
            purpose=row.purpose,
            recipient=f"{row.agency} · {viewer.name}",
            agency=row.agency,
            legal_basis=row.legal_basis,
            period=f"~ {until:%Y-%m-%d %H:%M} UTC",
            provision_form="실시간 화면 열람 링크",
            camera_ids=row.cameras,
            note=f"link {row.id}"
            + (f" · incident {row.incident_id}" if row.incident_id else "")
            + (f" · alert {row.alert_id}" if row.alert_id else "")
            + (f" · follow {row.follow_id}" if row.follow_id else ""),
        )

    def _visible(self, link_id: str, viewer: Viewer) -> LiveLinkRow:
        """The link, when this viewer may look through it now; else LinkError."""
        with self.db.sessions() as s:
            row = self._get(s, link_id, lock=False)
        self._check_viewer(row, viewer)
        self._usable(row)
        return row

    def seen_by(self, link_id: str, viewer: Viewer) -> dict:
        return public(self._visible(link_id, viewer))

    def may_watch(self, link_id: str, viewer: Viewer, camera_id: str) -> datetime:
        """The link's end when the viewer may watch this camera through it now; else LinkError."""
        row = self._visible(link_id, viewer)
        if camera_id not in row.cameras:
            raise LinkError(404, f"camera {camera_id!r} is not in this live view")
        return utc(row.expires_at)  # type: ignore[return-value]
