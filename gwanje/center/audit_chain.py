"""The audit chain's signed checkpoints, its check, and its export.

Every ``CHECKPOINT_S`` (and at start and stop) the chain's head (sequence, hash) is signed with the
center's Ed25519 key, the one evidence packages are signed with, and stored. ``verify`` walks the
chain (``gwanje.store.audit.verify_rows``) and holds it against the checkpoints: a checkpoint
beyond the chain's end means rows were cut off the end; one whose hash differs from the row at
its sequence means the chain was rewritten. The export (JSON lines: rows, checkpoints, the public
key) can be checked offline the same way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from gwanje.evidence.package import fingerprint, public_pem
from gwanje.store import audit
from gwanje.store.db import Database
from gwanje.store.models import AuditCheckpointRow, utc

CHECKPOINT_S = 600.0


def _message(seq: int, digest: str) -> bytes:
    return f"gwanje-audit:{seq}:{digest}".encode()


def checkpoint(db: Database, key: Ed25519PrivateKey) -> AuditCheckpointRow | None:
    """Sign the chain's head now (nothing when it has not moved since the last checkpoint)."""
    with db.sessions.begin() as s:
        seq, digest = audit.head(s)
        last = s.scalar(select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq.desc()).limit(1))
        if seq == 0 or (last is not None and last.seq == seq):
            return None
        row = AuditCheckpointRow(
            seq=seq,
            hash=digest,
            key_fingerprint=fingerprint(key.public_key()),
            signature=base64.b64encode(key.sign(_message(seq, digest))).decode(),
        )
        s.add(row)
        s.flush()
        s.expunge(row)
        return row


def _check(
    rows: Iterable[Any], checkpoints: list[dict[str, Any]], public: Ed25519PublicKey | None
) -> tuple[int, list[str]]:
    wanted = {int(c["seq"]) for c in checkpoints}
    seen: dict[int, str] = {}

    def watch(it: Iterable[Any]) -> Iterator[Any]:
        for r in it:
            seq = r["seq"] if isinstance(r, dict) else r.seq
            if seq in wanted:
                seen[seq] = r["hash"] if isinstance(r, dict) else r.hash
            yield r

    last, _, findings = audit.verify_rows(watch(rows))
    problems = [str(f) for f in findings]
    for c in checkpoints:
        seq = int(c["seq"])
        if public is not None:
            try:
                public.verify(base64.b64decode(c["signature"]), _message(seq, c["hash"]))
            except (InvalidSignature, ValueError):
                problems.append(f"checkpoint at seq {seq}: the signature does not match the center's key")
                continue
        if seq > last:
            problems.append(
                f"rows after seq {last} are missing: a signed checkpoint saw the chain reach {seq}"
            )
        elif seen.get(seq) != c["hash"]:
            problems.append(
                f"checkpoint at seq {seq}: the row there is not the one signed (the chain was rewritten)"
            )
    return last, problems


def load_public_key(data_dir: Path) -> Ed25519PublicKey | None:
    """The center's public key as the center keeps it (None when the center never started)."""
    path = data_dir / "keys" / "evidence_ed25519.pub.pem"
    if not path.is_file():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    return key if isinstance(key, Ed25519PublicKey) else None


def verify(db: Database, public: Ed25519PublicKey | None) -> tuple[int, list[str]]:
    """(rows checked, problems) of the audit in the store."""
    with db.sessions() as s:
        cps = [{"seq": c.seq, "hash": c.hash, "signature": c.signature} for c in audit.checkpoints(s)]
        return _check(audit.rows_in_order(s), cps, public)


def export(db: Database, public: Ed25519PublicKey, out: Path) -> int:
    """The chain as JSON lines (a header with the public key, every row, every checkpoint); rows."""
    n = 0
    with db.sessions() as s, out.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"kind": "header", "public_key": public_pem(public).decode()}) + "\n")
        for r in audit.rows_in_order(s):
            row = {"kind": "row", **audit.as_dict(r)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        for c in audit.checkpoints(s):
            f.write(
                json.dumps(
                    {
                        "kind": "checkpoint",
                        "seq": c.seq,
                        "hash": c.hash,
                        "signature": c.signature,
                        "at": utc(c.at).isoformat(),
                    }
                )
                + "\n"
            )
    return n


def verify_export(path: Path, expected_fingerprint: str | None = None) -> tuple[int, list[str]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    header = next((x for x in lines if x.get("kind") == "header"), None)
    if header is None:
        return 0, ["no header line: not an audit export"]
    public = serialization.load_pem_public_key(header["public_key"].encode())
    if not isinstance(public, Ed25519PublicKey):
        return 0, ["the export's key is not an Ed25519 key"]
    problems = []
    if expected_fingerprint:
        fp = fingerprint(public).replace(":", "")
        if not fp.startswith(expected_fingerprint.replace(":", "").lower()):
            problems.append(
                f"signed by key {fingerprint(public)}, not by the expected {expected_fingerprint}"
            )
    last, found = _check(
        [x for x in lines if x.get("kind") == "row"],
        [x for x in lines if x.get("kind") == "checkpoint"],
        public,
    )
    return last, problems + found
