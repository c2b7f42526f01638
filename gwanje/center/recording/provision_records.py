"""What a provision writes about itself: the package's manifest and README, and the fields its
ledger rows share (purpose, recipient as the form writes it, legal basis, period, cameras, range)."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from gwanje.store import provisions as repo
from gwanje.store.models import ProvisionRow, utc

README = """Gwanje evidence package / 관제 증거 영상 패키지

이 폴더의 영상은 개인정보 보호법에 따라 제공된 것으로, 요청 목적 외 사용과 재제공이 금지됩니다.
무결성 확인: gwanje evidence verify <이 폴더 또는 zip> --key <센터 공개키 지문>

manifest.json lists the request, its legal basis, the approver, the cameras and range, the masking
settings, the software version and the SHA-256 of every file; signature.json signs every field
of it with the center's Ed25519 key (public_key.pem). Check it offline with
`gwanje evidence verify PACKAGE --key FINGERPRINT` (the fingerprint the center's admin page shows).
"""


def software_version() -> str:
    try:
        return version("gwanje")
    except PackageNotFoundError:
        return "unknown"


def recipient(row: ProvisionRow) -> str:
    """Who receives, as the ledger's form writes it (the officer's unit, rank and name)."""
    return f"정보주체 본인 {row.officer}" if row.kind == "subject" else row.officer


def ledger_fields(row: ProvisionRow) -> dict[str, Any]:
    """What a provision's ledger rows share: purpose, recipient, basis, period, cameras, range."""
    return {
        "purpose": row.purpose,
        "recipient": recipient(row),
        "agency": row.agency,
        "legal_basis": basis_label(row.legal_basis),
        "period": f"~ {utc(row.destroy_at).date().isoformat()}" if row.destroy_at else "",
        "provision_id": row.id,
        "camera_ids": list(row.camera_ids),
        "range_start": row.start_at,
        "range_end": row.end_at,
    }


def basis_label(code: str) -> str:
    return repo.LEGAL_BASES.get(code, (code, code))[0]


def build_manifest(
    row: ProvisionRow,
    cameras: list[dict[str, Any]],
    *,
    masking: dict[str, Any],
    exported_by: str,
    exported_at: datetime,
    destroy_at: datetime,
) -> dict[str, Any]:
    """The manifest of a package (``seal`` adds the files' hashes and signs it)."""
    return {
        "request": {
            "number": row.number,
            "kind": row.kind,
            "agency": row.agency,
            "officer": row.officer,
            "case_number": row.case_number,
            "purpose": row.purpose,
            "persons": row.persons,
            "requested_by": row.requested_by,
            "requested_at": utc(row.requested_at).isoformat(),
        },
        "legal_basis": {"code": row.legal_basis, "text": basis_label(row.legal_basis)},
        "approved_by": row.decided_by,
        "approved_at": utc(row.decided_at).isoformat() if row.decided_at else None,
        "exported_by": exported_by,
        "exported_at": exported_at.isoformat(),
        "period_of_use_until": destroy_at.isoformat(),
        "range": {"start": utc(row.start_at).isoformat(), "end": utc(row.end_at).isoformat()},
        "cameras": cameras,
        "masking": {**masking, "subjects": [{"camera_id": c, "track_id": t} for c, t in row.subjects]},
        "software": {"name": "gwanje", "version": software_version()},
    }
