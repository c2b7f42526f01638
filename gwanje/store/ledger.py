"""The personal-video ledger (개인영상정보 관리대장): append, search, export rows, yearly figures.

Rows are never changed (the database refuses it); ``correct`` adds a row naming the one it corrects.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import LedgerRow, ProvisionRow, now_utc, utc

KINDS = {"view": "열람", "provide": "제공", "destroy": "파기", "correct": "정정"}

# the standard form's columns, in order: (key, Korean header)
COLUMNS = [
    ("id", "번호"),
    ("kind", "구분"),
    ("at", "일시"),
    ("file_name", "파일명"),
    ("file_form", "형태"),
    ("handler", "담당자"),
    ("purpose", "목적"),
    ("recipient", "제공받는 자(요청자)"),
    ("legal_basis", "근거"),
    ("period", "이용기간"),
    ("provision_form", "제공 형태"),
    ("destroyed_at", "파기 일시"),
    ("destroyed_by", "파기 담당자"),
    ("cameras", "카메라"),
    ("range", "영상 기간"),
    ("corrects_id", "정정 대상 번호"),
    ("note", "비고"),
]


def add(session: Session, *, kind: str, file_name: str, handler: str, **fields: Any) -> LedgerRow:
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    row = LedgerRow(
        kind=kind,
        file_name=file_name,
        handler=handler,
        file_form=fields.pop("file_form", "MP4 (H.264)"),
        camera_ids=fields.pop("camera_ids", []),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def correct(session: Session, row_id: int, *, handler: str, note: str) -> LedgerRow:
    old = session.get(LedgerRow, row_id)
    if old is None:
        raise LookupError(f"no ledger row {row_id}")
    if not note.strip():
        raise ValueError("a correction says what was wrong")
    return add(
        session,
        kind="correct",
        file_name=old.file_name,
        handler=handler,
        file_form=old.file_form,
        purpose=old.purpose,
        recipient=old.recipient,
        agency=old.agency,
        legal_basis=old.legal_basis,
        provision_id=old.provision_id,
        camera_ids=old.camera_ids,
        corrects_id=old.id,
        note=note.strip(),
    )


def search(
    session: Session,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    agency: str | None = None,
    kind: str | None = None,
    provision_id: int | None = None,
    limit: int = 10_000,
) -> list[LedgerRow]:
    q = select(LedgerRow).order_by(LedgerRow.id)
    if start is not None:
        q = q.where(LedgerRow.at >= start)
    if end is not None:
        q = q.where(LedgerRow.at < end)
    if agency:
        q = q.where(LedgerRow.agency == agency)
    if kind:
        q = q.where(LedgerRow.kind == kind)
    if provision_id is not None:
        q = q.where(LedgerRow.provision_id == provision_id)
    return list(session.scalars(q.limit(limit)))


def as_dict(row: LedgerRow) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return utc(v).isoformat() if v else None

    return {
        "id": row.id,
        "kind": row.kind,
        "kind_ko": KINDS.get(row.kind, row.kind),
        "at": iso(row.at),
        "file_name": row.file_name,
        "file_form": row.file_form,
        "handler": row.handler,
        "purpose": row.purpose,
        "recipient": row.recipient,
        "agency": row.agency,
        "legal_basis": row.legal_basis,
        "period": row.period,
        "provision_form": row.provision_form,
        "destroyed_at": iso(row.destroyed_at),
        "destroyed_by": row.destroyed_by,
        "provision_id": row.provision_id,
        "cameras": ", ".join(row.camera_ids or []),
        "range": f"{iso(row.range_start)} ~ {iso(row.range_end)}" if row.range_start else "",
        "corrects_id": row.corrects_id,
        "note": row.note,
    }


def table(rows: list[LedgerRow]) -> list[list[Any]]:
    """Header row (Korean) and one row per ledger row, in the form's column order, for CSV and XLSX."""
    out: list[list[Any]] = [[ko for _, ko in COLUMNS]]
    for r in rows:
        d = as_dict(r)
        d["kind"] = d["kind_ko"]
        out.append(["" if d[k] is None else d[k] for k, _ in COLUMNS])
    return out


def statistics(session: Session, year: int | None = None) -> dict[str, Any]:
    """Per year and agency: provisions, viewings, destructions; the outcomes of provisions."""
    year = year or now_utc().year
    start, end = (
        datetime(year, 1, 1, tzinfo=now_utc().tzinfo),
        datetime(year + 1, 1, 1, tzinfo=now_utc().tzinfo),
    )
    rows = search(session, start=start, end=end, limit=1_000_000)
    by: dict[str, Counter[str]] = {}
    for r in rows:
        if r.kind == "correct":
            continue
        by.setdefault(r.agency or "-", Counter())[r.kind] += 1
    outcomes: dict[str, Counter[str]] = {}
    for p in session.scalars(
        select(ProvisionRow).where(
            ProvisionRow.exported_at >= start,
            ProvisionRow.exported_at < end,
            ProvisionRow.outcome.is_not(None),
        )
    ):
        outcomes.setdefault(p.agency, Counter())[p.outcome or ""] += 1
    return {
        "year": year,
        "by_agency": {a: dict(c) for a, c in sorted(by.items())},
        "provisions": sum(c["provide"] for c in by.values()),
        "outcomes": {a: dict(c) for a, c in sorted(outcomes.items())},
    }
