"""Requests for footage and their lifecycle: requested → approved / rejected → exported →
handed_over → destroyed. Every move checks the state it starts from under a row lock, so two
supervisors cannot both approve, and nobody approves a request they filed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gwanje.store.models import ProvisionRow, now_utc, utc

# legal bases a provision may rest on: code → (Korean, English)
LEGAL_BASES: dict[str, tuple[str, str]] = {
    "pipa18_2_7": (
        "개인정보 보호법 제18조제2항제7호 (범죄의 수사와 공소의 제기 및 유지)",
        "PIPA art. 18(2) item 7: criminal investigation and prosecution",
    ),
    "pipa18_2_2": (
        "개인정보 보호법 제18조제2항제2호 (다른 법률에 특별한 규정)",
        "PIPA art. 18(2) item 2: required by another law",
    ),
    "pipa18_2_3": (
        "개인정보 보호법 제18조제2항제3호 (급박한 생명·신체·재산의 이익)",
        "PIPA art. 18(2) item 3: urgent life, body or property",
    ),
    "pipa18_2_8": (
        "개인정보 보호법 제18조제2항제8호 (법원의 재판업무 수행)",
        "PIPA art. 18(2) item 8: court proceedings",
    ),
    "pipa35": (
        "개인정보 보호법 제35조 (정보주체의 열람 요구)",
        "PIPA art. 35: the data subject's own request",
    ),
}
STATES = ("requested", "approved", "rejected", "exported", "handed_over", "destroyed")
OUTCOMES = ("arrest", "case_closed", "investigating", "no_use", "other")


class ProvisionError(ValueError):
    """A move the request's state or the asker does not allow (the message says why)."""


@dataclass(frozen=True)
class NewRequest:
    kind: str  # agency, subject
    agency: str
    officer: str
    contact: str
    case_number: str
    legal_basis: str
    purpose: str
    camera_ids: list[str]
    start: datetime
    end: datetime
    persons: str
    period_days: float


def _number(session: Session, at: datetime) -> str:
    prefix = f"{at.year}-"
    last = session.scalar(select(func.max(ProvisionRow.number)).where(ProvisionRow.number.like(prefix + "%")))
    n = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def create(session: Session, req: NewRequest, *, username: str, due_days: float) -> ProvisionRow:
    if req.legal_basis not in LEGAL_BASES:
        raise ProvisionError(f"unknown legal basis {req.legal_basis!r} (one of {', '.join(LEGAL_BASES)})")
    if req.kind == "subject" and req.legal_basis != "pipa35":
        raise ProvisionError("a data subject's own request rests on PIPA art. 35 (pipa35)")
    if req.kind == "agency" and req.legal_basis == "pipa35":
        raise ProvisionError("art. 35 is the data subject's own request, not an agency's")
    if not req.camera_ids:
        raise ProvisionError("a request names at least one camera")
    if req.end <= req.start:
        raise ProvisionError("the end must come after the start")
    now = now_utc()
    row = ProvisionRow(
        number=_number(session, now),
        kind=req.kind,
        state="requested",
        agency=req.agency,
        officer=req.officer.strip(),
        contact=req.contact.strip(),
        case_number=req.case_number.strip(),
        legal_basis=req.legal_basis,
        purpose=req.purpose.strip(),
        camera_ids=sorted(set(req.camera_ids)),
        start_at=req.start,
        end_at=req.end,
        persons=req.persons.strip(),
        period_days=req.period_days,
        requested_by=username,
        requested_at=now,
        due_at=now + timedelta(days=due_days) if req.kind == "subject" else None,
        subjects=[],
        job_progress=0.0,
        downloads=0,
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, provision_id: int, *, lock: bool = False) -> ProvisionRow:
    row = session.get(ProvisionRow, provision_id, with_for_update=lock)
    if row is None:
        raise LookupError(f"no request {provision_id}")
    return row


def listing(session: Session, *, state: str | None = None, agency: str | None = None) -> list[ProvisionRow]:
    q = select(ProvisionRow).order_by(ProvisionRow.id.desc()).limit(500)
    if state:
        q = q.where(ProvisionRow.state == state)
    if agency:
        q = q.where(ProvisionRow.agency == agency)
    return list(session.scalars(q))


def _expect(row: ProvisionRow, *states: str) -> None:
    if row.state not in states:
        raise ProvisionError(f"request {row.number} is {row.state}, not {' or '.join(states)}")


def decide(
    session: Session, provision_id: int, *, username: str, approve: bool, reason: str = ""
) -> ProvisionRow:
    row = get(session, provision_id, lock=True)
    _expect(row, "requested")
    if row.requested_by == username:
        raise ProvisionError("nobody approves or rejects a request they filed")
    if approve:
        if row.found_at is None or row.preview_subjects is None:
            raise ProvisionError("look at the masked preview first (make it with the subject marked)")
        if sorted(map(tuple, row.preview_subjects)) != sorted(map(tuple, row.subjects)):
            raise ProvisionError("the subject changed since the preview: make the preview again")
    elif not reason.strip():
        raise ProvisionError("a rejection says why")
    row.state = "approved" if approve else "rejected"
    row.decided_by, row.decided_at = username, now_utc()
    row.reject_reason = None if approve else reason.strip()
    return row


def open_link(row: ProvisionRow, days: float) -> str:
    """A fresh download token for the package (only its SHA-256 is kept)."""
    token = secrets.token_urlsafe(32)
    row.link_hash = hashlib.sha256(token.encode()).hexdigest()
    row.link_expires_at = now_utc() + timedelta(days=days)
    return token


def link_matches(row: ProvisionRow, token: str) -> bool:
    return bool(row.link_hash) and secrets.compare_digest(
        row.link_hash or "", hashlib.sha256(token.encode()).hexdigest()
    )


def link_expired(row: ProvisionRow, now: datetime | None = None) -> bool:
    return row.link_expires_at is None or utc(row.link_expires_at) <= (now or now_utc())


def due_for_destruction(session: Session, now: datetime) -> list[ProvisionRow]:
    return list(
        session.scalars(
            select(ProvisionRow).where(
                ProvisionRow.state.in_(("exported", "handed_over")), ProvisionRow.destroy_at <= now
            )
        )
    )


def overdue_subject_requests(session: Session, now: datetime) -> list[ProvisionRow]:
    return list(
        session.scalars(
            select(ProvisionRow).where(
                ProvisionRow.kind == "subject",
                ProvisionRow.state.in_(("requested", "approved")),
                ProvisionRow.due_at <= now,
            )
        )
    )
