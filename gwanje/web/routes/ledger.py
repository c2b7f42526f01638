"""The personal-video ledger (개인영상정보 관리대장): search, CSV and XLSX with the standard form's
Korean headers, corrections (new rows), and the yearly figures per agency. Supervisors and
administrators only; every export of the ledger is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import Field

from gwanje.store import audit, ledger
from gwanje.web.deps import Body, CenterDep, Moment, RowId, Supervisor, client_ip
from gwanje.web.openapi import LEDGER_FILES

router = APIRouter(prefix="/api/ledger", tags=["evidence"])


def _rows(center, start, end, agency, kind):  # noqa: ANN001, ANN202
    if kind is not None and kind not in ledger.KINDS:
        raise HTTPException(422, f"kind is one of {', '.join(ledger.KINDS)}")
    if start is not None and end is not None and end <= start:
        raise HTTPException(422, "the end must come after the start")
    with center.db.sessions() as s:
        return ledger.search(s, start=start, end=end, agency=agency or None, kind=kind)


Start = Annotated[Moment | None, Query(alias="from")]
End = Annotated[Moment | None, Query(alias="to")]
Agency = Annotated[str | None, Query(max_length=40)]
Kind = Annotated[str | None, Query(max_length=10)]


@router.get("")
def search(
    principal: Supervisor,
    center: CenterDep,
    start: Start = None,
    end: End = None,
    agency: Agency = None,
    kind: Kind = None,
) -> list[dict]:
    return [ledger.as_dict(r) for r in _rows(center, start, end, agency, kind)]


@router.get("/export.{form}", responses=LEDGER_FILES)
def export(
    form: str,
    principal: Supervisor,
    center: CenterDep,
    request: Request,
    start: Start = None,
    end: End = None,
    agency: Agency = None,
    kind: Kind = None,
) -> Response:
    if form not in ("csv", "xlsx"):
        raise HTTPException(404, "the ledger exports as .csv or .xlsx")
    table = ledger.table(_rows(center, start, end, agency, kind))
    stamp = datetime.now().strftime("%Y%m%d")
    with center.db.sessions.begin() as s:
        audit.record(
            s,
            username=principal.username,
            action="ledger_export",
            target=form,
            detail={"rows": len(table) - 1, "agency": agency, "kind": kind},
            ip=client_ip(request),
        )
    if form == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(table)
        return Response(
            "\ufeff" + buf.getvalue(),  # the BOM lets Excel read the Korean as UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="ledger-{stamp}.csv"'},
        )
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "개인영상정보 관리대장"
    for row in table:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="ledger-{stamp}.xlsx"'},
    )


@router.get("/stats")
def stats(
    principal: Supervisor, center: CenterDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> dict:
    with center.db.sessions() as s:
        return ledger.statistics(s, year)


class CorrectionIn(Body):
    note: str = Field(..., min_length=1, max_length=2000)


@router.post("/{row_id}/correct", status_code=201)
def correct(
    row_id: RowId, body: CorrectionIn, principal: Supervisor, center: CenterDep, request: Request
) -> dict:
    with center.db.sessions.begin() as s:
        try:
            row = ledger.correct(s, row_id, handler=principal.username, note=body.note)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="ledger_correct",
            target=str(row_id),
            detail={"row": row.id},
            ip=client_ip(request),
        )
        return ledger.as_dict(row)
