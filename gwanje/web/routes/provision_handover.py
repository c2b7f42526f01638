"""Evidence provision, the hand-over: the requesting agency's download link and package, and the
outcome of a provision (what the footage served for: the center's yearly figures). Every
download is audited; the first one is the ledger's provision row."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

from gwanje.store import audit
from gwanje.store import provisions as repo
from gwanje.store.models import ProvisionRow
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, PrincipalDep, RowId, client_ip
from gwanje.web.openapi import ZIP, errors
from gwanje.web.routes.provisions import _iso, _load, _out

router = APIRouter(prefix="/api/provisions", tags=["evidence"])


@router.post("/{provision_id}/link", responses=errors(409, 410))
def issue_link(provision_id: RowId, principal: PrincipalDep, center: CenterDep, request: Request) -> dict:
    """A download link for the requesting agency's liaison (valid until the link's expiry)."""
    row = _load(center, provision_id, principal)
    _may_download(row, principal)
    with center.db.sessions.begin() as s:
        live = repo.get(s, provision_id, lock=True)
        expires = live.link_expires_at
        token = repo.open_link(live, 0)
        live.link_expires_at = expires  # a new token does not extend the link's life
        audit.record(
            s, username=principal.username, action="evidence_link", target=row.number, ip=client_ip(request)
        )
    return {
        "url": f"/api/provisions/{row.id}/package?token={token}",
        "expires_at": _iso(expires),
    }


def _may_download(row: ProvisionRow, principal: Principal) -> None:
    if not principal.is_agency or principal.agency != row.agency:
        raise HTTPException(403, "only the requesting agency's liaison downloads the package")
    if row.state not in ("exported", "handed_over"):
        raise HTTPException(409 if row.state != "destroyed" else 410, f"request {row.number} is {row.state}")
    if repo.link_expired(row):
        raise HTTPException(410, "the download link has expired; ask the center for a new provision")


@router.get("/{provision_id}/package", responses={**errors(403, 409, 410), **ZIP})
def download(
    provision_id: RowId,
    principal: PrincipalDep,
    center: CenterDep,
    request: Request,
    token: Annotated[str, Query(max_length=100)],
) -> FileResponse:
    row = _load(center, provision_id, principal)
    _may_download(row, principal)
    if not repo.link_matches(row, token):
        raise HTTPException(403, "this link is not valid (ask for a new one)")
    path = center.evidence.package_path(row)
    if path is None or not path.is_file():
        raise HTTPException(410, "the package is gone")
    center.evidence.handed_over(row.id, principal.username, client_ip(request))
    return FileResponse(
        path, media_type="application/zip", filename=path.name, headers={"Cache-Control": "private, no-store"}
    )


class OutcomeIn(Body):
    outcome: str = Field(..., max_length=40)
    note: str = Field("", max_length=2000)


@router.post("/{provision_id}/outcome", responses=errors(409))
def record_outcome(
    provision_id: RowId, body: OutcomeIn, principal: PrincipalDep, center: CenterDep, request: Request
) -> dict:
    """What the footage served for (arrest assisted, case closed ...): the center's yearly figures."""
    if body.outcome not in repo.OUTCOMES:
        raise HTTPException(422, f"outcome is one of {', '.join(repo.OUTCOMES)}")
    row = _load(center, provision_id, principal)
    if not principal.is_agency and principal.role not in ("supervisor", "admin"):
        raise HTTPException(403, "the agency or a supervisor records the outcome")
    if row.exported_at is None:
        raise HTTPException(409, f"request {row.number} was never provided")
    with center.db.sessions.begin() as s:
        live = repo.get(s, provision_id, lock=True)
        live.outcome, live.outcome_note = body.outcome, body.note.strip() or None
        audit.record(
            s,
            username=principal.username,
            action="evidence_outcome",
            target=row.number,
            detail=body.model_dump(),
            ip=client_ip(request),
        )
    return _out(center, _load(center, provision_id, principal), principal)
