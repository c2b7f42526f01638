"""Evidence provision: requests for footage, the supervisor's masked preview and decision (the
package's hand-over to the requesting agency: ``provision_handover.py``).

Who may do what: agency liaisons file requests for their own agency (cameras they can see) and
download their approved packages; operators file on an agency's or a data subject's behalf;
supervisors mark the subject, look at the masked preview and approve or reject (never a request
they filed themselves). Every look at footage here is audited, and written into the ledger.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.center.core import Center
from gwanje.center.recording.evidence import EvidenceError
from gwanje.center.recording.provision_records import basis_label
from gwanje.store import audit, ledger
from gwanje.store import provisions as repo
from gwanje.store.models import ProvisionRow, now_utc, utc
from gwanje.web.auth import Principal
from gwanje.web.deps import (
    Body,
    CenterDep,
    FrameIndex,
    Moment,
    PrincipalDep,
    RowId,
    Staff,
    Supervisor,
    audit_now,
    client_ip,
)
from gwanje.web.openapi import IMAGE, MP4, errors
from gwanje.web.routes.cameras import visible_cameras

router = APIRouter(prefix="/api/provisions", tags=["evidence"])
AGENCIES = ("police", "fire", "ambulance", "district", "court", "military")


def _iso(v) -> str | None:  # noqa: ANN001
    return utc(v).isoformat() if v else None


def _out(center: Center, row: ProvisionRow, principal: Principal) -> dict:
    now = now_utc()
    out = {
        "id": row.id,
        "number": row.number,
        "kind": row.kind,
        "state": row.state,
        "agency": row.agency,
        "officer": row.officer,
        "contact": row.contact,
        "case_number": row.case_number,
        "legal_basis": row.legal_basis,
        "legal_basis_text": basis_label(row.legal_basis),
        "purpose": row.purpose,
        "camera_ids": row.camera_ids,
        "start": _iso(row.start_at),
        "end": _iso(row.end_at),
        "persons": row.persons,
        "period_days": row.period_days,
        "requested_by": row.requested_by,
        "requested_at": _iso(row.requested_at),
        "due_at": _iso(row.due_at),
        "overdue": bool(row.due_at and row.state in ("requested", "approved") and utc(row.due_at) <= now),
        "decided_by": row.decided_by,
        "decided_at": _iso(row.decided_at),
        "reject_reason": row.reject_reason,
        "subjects": [{"camera_id": c, "track_id": t} for c, t in row.subjects],
        "job": row.job,
        "job_progress": row.job_progress,
        "job_error": row.job_error,
        "found": row.found_at is not None,
        "preview_ready": row.preview_subjects is not None
        and sorted(map(tuple, row.preview_subjects)) == sorted(map(tuple, row.subjects)),
        "exported_at": _iso(row.exported_at),
        "package": row.package_name,
        "package_sha256": row.package_sha256,
        "package_bytes": row.package_bytes,
        "link_expires_at": _iso(row.link_expires_at),
        "handed_over_at": _iso(row.handed_over_at),
        "downloads": row.downloads,
        "destroy_at": _iso(row.destroy_at),
        "destroyed_at": _iso(row.destroyed_at),
        "destroyed_by": row.destroyed_by,
        "outcome": row.outcome,
        "outcome_note": row.outcome_note,
        "hold_id": row.hold_id,
        "can_decide": principal.role in ("supervisor", "admin") and principal.username != row.requested_by,
    }
    return out


def _load(center: Center, provision_id: int, principal: Principal) -> ProvisionRow:
    """The request, if the asker may see it (agency liaisons: their own agency's only)."""
    with center.db.sessions() as s:
        try:
            row = repo.get(s, provision_id)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        if principal.is_agency and row.agency != principal.agency:
            raise HTTPException(404, f"no request {provision_id}")
        s.expunge(row)
        return row


@router.get("/bases")
def bases(principal: PrincipalDep) -> list[dict]:
    return [{"code": k, "ko": ko, "en": en} for k, (ko, en) in repo.LEGAL_BASES.items()]


@router.get("")
def list_requests(
    principal: PrincipalDep, center: CenterDep, state: Annotated[str | None, Query()] = None
) -> list[dict]:
    if state is not None and state not in repo.STATES:
        raise HTTPException(422, f"state is one of {', '.join(repo.STATES)}")
    if principal.role not in ("agency", "operator", "supervisor", "admin"):
        raise HTTPException(403, "not for this role")
    with center.db.sessions() as s:
        rows = repo.listing(s, state=state, agency=principal.agency if principal.is_agency else None)
        return [_out(center, r, principal) for r in rows]


class RequestIn(Body):
    kind: Literal["agency", "subject"] = "agency"
    agency: str | None = Field(None, description="agency requests filed by staff: police, fire, ...")
    officer: str = Field(..., min_length=1, max_length=200, description="the officer, or the data subject")
    contact: str = Field("", max_length=200)
    case_number: str = Field("", max_length=100)
    legal_basis: str = Field(..., max_length=20)
    purpose: str = Field(..., min_length=1, max_length=2000)
    camera_ids: list[str] = Field(..., min_length=1, max_length=16)
    start: Moment
    end: Moment
    persons: str = Field("", max_length=2000)
    period_days: float | None = Field(None, gt=0, le=3650)


@router.post("", status_code=201)
async def file_request(body: RequestIn, principal: PrincipalDep, center: CenterDep, request: Request) -> dict:
    if principal.is_agency:
        if body.kind != "agency":
            raise HTTPException(403, "a data subject's request is filed by the center's staff")
        agency = principal.agency or ""
    elif principal.role in ("operator", "supervisor", "admin"):
        agency = "subject" if body.kind == "subject" else (body.agency or "")
        if body.kind == "agency" and agency not in AGENCIES:
            raise HTTPException(422, f"agency is one of {', '.join(AGENCIES)}")
    else:
        raise HTTPException(403, "not for this role")
    if body.legal_basis not in repo.LEGAL_BASES:
        raise HTTPException(422, f"legal_basis is one of {', '.join(repo.LEGAL_BASES)}")
    if body.kind == "agency" and not body.case_number.strip() and body.legal_basis == "pipa18_2_7":
        raise HTTPException(422, "a criminal investigation's request names its case number")
    if body.end <= body.start:
        raise HTTPException(422, "the end must come after the start")
    cfg = center.site.evidence
    if body.end - body.start > timedelta(minutes=cfg.longest_minutes):
        raise HTTPException(422, f"at most {cfg.longest_minutes:g} minutes in one request")
    known = await asyncio.to_thread(center.camera_names)
    unknown = sorted(set(body.camera_ids) - set(known))
    if unknown:
        raise HTTPException(422, f"no camera {', '.join(unknown)}")
    visible = await asyncio.to_thread(lambda: visible_cameras(center, principal, ever=True))
    if visible is not None:
        hidden = sorted(set(body.camera_ids) - visible)
        if hidden:
            raise HTTPException(403, f"you may not request camera {', '.join(hidden)}")
    for camera_id in body.camera_ids:
        if not await asyncio.to_thread(center.evidence.recorded, camera_id, body.start, body.end):
            raise HTTPException(422, f"nothing recorded on {camera_id} in that range")
    new = repo.NewRequest(
        kind=body.kind,
        agency=agency,
        officer=body.officer,
        contact=body.contact,
        case_number=body.case_number,
        legal_basis=body.legal_basis,
        purpose=body.purpose,
        camera_ids=body.camera_ids,
        start=body.start,
        end=body.end,
        persons=body.persons,
        period_days=body.period_days or cfg.period_days,
    )
    with center.db.sessions.begin() as s:
        try:
            row = repo.create(s, new, username=principal.username, due_days=cfg.subject_deadline_days)
        except repo.ProvisionError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="evidence_request",
            target=row.number,
            detail={"cameras": row.camera_ids, "basis": row.legal_basis, "agency": row.agency},
            ip=client_ip(request),
        )
        pid = row.id
    center.evidence.start_finding(pid)
    return _out(center, _load(center, pid, principal), principal)


@router.get("/{provision_id}")
def get_request(provision_id: RowId, principal: PrincipalDep, center: CenterDep) -> dict:
    return _out(center, _load(center, provision_id, principal), principal)


@router.get("/{provision_id}/picks")
def picks(provision_id: RowId, principal: Supervisor, center: CenterDep, request: Request) -> list[dict]:
    """Frames with the tracked people on them, to mark the subject on (unmasked: audited)."""
    row = _load(center, provision_id, principal)
    out = center.evidence.picks(row)
    for p in out:
        p["image"] = f"/api/provisions/{row.id}/picks/{p['camera_id']}/{p['pick']}.jpg"
    audit_now(center, principal, "evidence_picks", row.number, {"frames": len(out)}, client_ip(request))
    return out


@router.get("/{provision_id}/picks/{camera_id}/{index}.jpg", responses=IMAGE)
def pick_image(
    provision_id: RowId, camera_id: str, index: FrameIndex, principal: Supervisor, center: CenterDep
):
    path = center.evidence.pick_image(_load(center, provision_id, principal), camera_id, index)
    if path is None:
        raise HTTPException(404, "no such frame")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


class SubjectIn(Body):
    camera_id: str = Field(..., max_length=64)
    track_id: int = Field(..., ge=0)


class SubjectsIn(Body):
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=20)


@router.post("/{provision_id}/subjects", responses=errors(409))
def mark_subjects(
    provision_id: RowId, body: SubjectsIn, principal: Supervisor, center: CenterDep, request: Request
) -> dict:
    row = _load(center, provision_id, principal)
    try:
        center.evidence.set_subjects(row.id, [(x.camera_id, x.track_id) for x in body.subjects])
    except EvidenceError as exc:
        raise HTTPException(409, str(exc)) from None
    audit_now(
        center,
        principal,
        "evidence_subjects",
        row.number,
        {"subjects": [x.model_dump() for x in body.subjects]},
        client_ip(request),
    )
    return _out(center, _load(center, provision_id, principal), principal)


@router.get("/{provision_id}/preview")
def preview(
    provision_id: RowId, principal: Supervisor, center: CenterDep, request: Request, camera_id: str
) -> dict:
    """Open the masked preview of one camera: a viewing (audited, and a ledger row)."""
    row = _load(center, provision_id, principal)
    path = center.evidence.preview(row, camera_id)
    if path is None:
        raise HTTPException(404, "no preview yet for that camera")
    with center.db.sessions.begin() as s:
        ledger.add(
            s,
            kind="view",
            file_name=f"{row.number} {camera_id} 미리보기 (모자이크)",
            handler=principal.username,
            purpose=f"제공 심사: {row.purpose}",
            recipient=principal.username,
            agency=row.agency,
            legal_basis=basis_label(row.legal_basis),
            provision_form="화면 열람",
            provision_id=row.id,
            camera_ids=[camera_id],
            range_start=row.start_at,
            range_end=row.end_at,
        )
        audit.record(
            s,
            username=principal.username,
            action="evidence_preview",
            target=row.number,
            detail={"camera": camera_id},
            ip=client_ip(request),
        )
    return {"url": f"/api/provisions/{row.id}/preview/{camera_id}.mp4"}


@router.get("/{provision_id}/preview/{camera_id}.mp4", responses=MP4)
def preview_file(provision_id: RowId, camera_id: str, principal: Supervisor, center: CenterDep):
    path = center.evidence.preview(_load(center, provision_id, principal), camera_id)
    if path is None:
        raise HTTPException(404, "no preview yet for that camera")
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private, no-store"})


class DecisionIn(Body):
    reason: str = Field("", max_length=2000)


@router.post("/{provision_id}/approve", responses=errors(409))
def approve(provision_id: RowId, principal: Supervisor, center: CenterDep, request: Request) -> dict:
    return _decide(provision_id, principal, center, request, True, "")


@router.post("/{provision_id}/reject", responses=errors(409))
def reject(
    provision_id: RowId, body: DecisionIn, principal: Supervisor, center: CenterDep, request: Request
) -> dict:
    return _decide(provision_id, principal, center, request, False, body.reason)


def _decide(
    provision_id: int, principal: Principal, center: Center, request: Request, approve: bool, reason: str
) -> dict:
    _load(center, provision_id, principal)
    with center.db.sessions.begin() as s:
        try:
            row = repo.decide(s, provision_id, username=principal.username, approve=approve, reason=reason)
        except repo.ProvisionError as exc:
            code = 403 if "filed" in str(exc) else 409
            raise HTTPException(code, str(exc)) from None
        if approve and not _saw_preview(s, provision_id, principal.username):  # raising undoes the approval
            raise HTTPException(409, "open the masked preview of every camera before approving")
        if row.job is not None:
            raise HTTPException(409, f"request {row.number} is busy ({row.job})")
        audit.record(
            s,
            username=principal.username,
            action="evidence_approve" if approve else "evidence_reject",
            target=row.number,
            detail={"reason": reason or None, "subjects": row.subjects},
            ip=client_ip(request),
        )
    if approve:
        center.evidence.start_export(provision_id, principal.username)
    return _out(center, _load(center, provision_id, principal), principal)


def _saw_preview(s, provision_id: int, username: str) -> bool:  # noqa: ANN001
    """Whether the approver opened the current preview of every camera (the ledger's viewing rows)."""
    row = repo.get(s, provision_id)
    since = row.preview_made_at
    if since is None:
        return False
    seen = {
        c
        for v in ledger.search(s, kind="view", start=utc(since), provision_id=provision_id)
        if v.handler == username
        for c in v.camera_ids
    }
    return set(row.camera_ids) <= seen


@router.get("/key/public")
def public_key(principal: Staff, center: CenterDep) -> dict:
    """The center's signing key: what an agency checks packages against."""
    return {"fingerprint": center.evidence.fingerprint, "pem": center.evidence.public_pem}
