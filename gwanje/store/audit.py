"""Append-only audit records: every login, every live or recorded video view, every change.

The records form a hash chain: each carries a sequence number (1, 2, 3 ... without gaps) and
``hash`` = SHA-256 of the previous row's hash and this row's content. Appending takes a lock
first (SQLite: the write transaction already holds the database's; PostgreSQL: a transaction
advisory lock), so two transactions never extend the chain from the same head. ``verify`` walks
the chain and names the first row that does not fit: edited (its hash), removed (a gap in the
sequence), inserted or reordered (a broken link); signed checkpoints of the head catch rows cut
off the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gwanje.store.models import AuditCheckpointRow, AuditRow, now_utc, utc

GENESIS = "0" * 64
_LOCK = 0x6777_616E  # PostgreSQL advisory lock id of the audit chain ("gwan")


def content_hash(prev: str, seq: int, at: datetime, username: str, action: str, target, detail, ip) -> str:  # noqa: ANN001
    body = json.dumps(
        [seq, utc(at).isoformat(), username, action, target, detail or {}, ip],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev + body).encode()).hexdigest()


def row_hash(row: AuditRow, prev: str) -> str:
    return content_hash(prev, row.seq or 0, row.at, row.username, row.action, row.target, row.detail, row.ip)


def _head(session: Session) -> tuple[int, str]:
    """The head, with the right to extend the chain (PostgreSQL: held to the commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    return head(session)


def record(
    session: Session,
    *,
    username: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    session.flush()  # rows this transaction added before are in the chain the head is read from
    seq, prev = _head(session)
    at = now_utc()
    detail = json.loads(json.dumps(detail or {}, default=str))  # what the JSON column will give back
    digest = content_hash(prev, seq + 1, at, username, action, target, detail, ip)
    session.add(
        AuditRow(
            seq=seq + 1,
            prev_hash=prev,
            hash=digest,
            at=at,
            username=username,
            action=action,
            target=target,
            detail=detail,
            ip=ip,
        )
    )
    session.flush()


def recent(session: Session, *, limit: int = 200, action: str | None = None) -> list[AuditRow]:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if action:
        query = query.where(AuditRow.action == action)
    return list(session.scalars(query))


def head(session: Session) -> tuple[int, str]:
    """(sequence, hash) of the chain's last row."""
    last = session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
    return (int(last[0]), str(last[1])) if last is not None and last[0] is not None else (0, GENESIS)


def as_dict(row: AuditRow) -> dict[str, Any]:
    """A row as the API shows it and the export writes it."""
    return {
        "id": row.id,
        "seq": row.seq,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
        "at": utc(row.at).isoformat(),
        "username": row.username,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
        "ip": row.ip,
    }


def rows_in_order(session: Session, batch: int = 5000) -> Iterator[AuditRow]:
    """Every row as stored, in id order (the order they were written in), a batch at a time."""
    after = 0
    while True:
        rows = list(
            session.scalars(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()


def checkpoints(session: Session) -> list[AuditCheckpointRow]:
    return list(session.scalars(select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq)))


@dataclass(frozen=True)
class Finding:
    seq: int | None
    id: int | None
    what: str

    def __str__(self) -> str:
        where = f"row seq {self.seq}" if self.seq is not None else "the chain"
        return f"{where}{f' (id {self.id})' if self.id is not None else ''}: {self.what}"


def verify_rows(rows: Iterable[Any]) -> tuple[int, str, list[Finding]]:
    """Walk rows (objects or dicts with seq, id, prev_hash, hash and the content) in the order
    stored; returns (last seq, last hash, findings)."""
    findings: list[Finding] = []
    expect_seq, prev = 1, GENESIS
    for r in rows:
        get = (lambda k, r=r: r[k]) if isinstance(r, dict) else (lambda k, r=r: getattr(r, k))
        seq, rid = get("seq"), get("id")
        if seq is None:
            findings.append(Finding(None, rid, "has no place in the chain (inserted outside Gwanje?)"))
            continue
        if seq < expect_seq:
            findings.append(
                Finding(seq, rid, f"out of order: seq {seq} after {expect_seq - 1} (reordered or inserted)")
            )
        elif seq > expect_seq:
            missing = f"{expect_seq}" if seq == expect_seq + 1 else f"{expect_seq}-{seq - 1}"
            findings.append(Finding(seq, rid, f"rows seq {missing} are missing (deleted)"))
        at = get("at")
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        if seq == expect_seq and get("prev_hash") != prev:
            findings.append(Finding(seq, rid, "does not link to the row before it (inserted or reordered)"))
        recomputed = content_hash(
            get("prev_hash") or "",
            seq,
            at,
            get("username"),
            get("action"),
            get("target"),
            get("detail"),
            get("ip"),
        )
        if recomputed != get("hash"):
            findings.append(Finding(seq, rid, "its content does not match its hash (edited)"))
        prev, expect_seq = get("hash") or prev, max(expect_seq, seq + 1)
    return expect_seq - 1, prev, findings
