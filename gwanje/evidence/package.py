"""The signed evidence package and its offline check.

A package is a folder (and the zip of it): the masked MP4s, ``manifest.json`` (request, legal basis,
approver, cameras, range, masking, software, the SHA-256 of every file), ``signature.json`` and the
center's public key. The signature is Ed25519 over a table of every leaf field of the manifest
(JSON pointer → SHA-256 of its value), so a check can say which field was changed, not only
that something was; the file hashes are fields, so a changed video is named too.

The center's key is made at first start: private key readable only by the service's user, the
public key and its fingerprint (SHA-256 of the raw 32-byte key) shown to administrators.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# 2: README.txt is one of the manifest's files (format 1 left it out, so a changed README passed)
FORMAT = "gwanje-evidence/2"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "signature.json", "public_key.pem"
OWN_FILES = {MANIFEST, SIGNATURE, PUBLIC_KEY}  # the signature covers them; every other file is listed
UNLISTED_BEFORE_2 = {"README.txt"}


class PackageError(ValueError):
    pass


# -- the center's key --------------------------------------------------------------------------
def load_or_create_key(folder: Path) -> Ed25519PrivateKey:
    """The center's signing key, made the first time (private file mode 0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / "evidence_ed25519.pem"
    if private.is_file():
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise PackageError(f"{private} is not an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.replace(private.with_suffix(".tmp"), private)
    (folder / "evidence_ed25519.pub.pem").write_bytes(public_pem(key.public_key()))
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex in groups of four (what the admin page shows)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _same_fingerprint(a: str, b: str) -> bool:
    norm = [x.replace(":", "").replace(" ", "").lower() for x in (a, b)]
    return len(norm[1]) >= 16 and norm[0].startswith(norm[1])


# -- writing -----------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pointer(parts: list[str]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def field_digests(value: Any, parts: list[str] | None = None) -> dict[str, str]:
    """JSON pointer of every leaf (and of every empty list or object) → SHA-256 of its JSON."""
    parts = parts or []
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(field_digests(v, [*parts, str(k)]))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(field_digests(v, [*parts, str(i)]))
        return out
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {_pointer(parts): hashlib.sha256(text.encode()).hexdigest()}


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal(folder: Path, manifest: dict[str, Any], key: Ed25519PrivateKey, readme: str = "") -> None:
    """Write the README, the manifest (with every other file's SHA-256 added, the README's too),
    its signature and the public key."""
    if readme:
        (folder / "README.txt").write_text(readme, encoding="utf-8")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name not in OWN_FILES)
    manifest = {
        **manifest,
        "format": FORMAT,
        "key_fingerprint": fingerprint(key.public_key()),
        "files": {p.name: {"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    fields = field_digests(manifest)
    signature = {
        "algorithm": "Ed25519",
        "signed": "the fields table (canonical JSON: sorted keys, no spaces, UTF-8)",
        "key_fingerprint": fingerprint(key.public_key()),
        "fields": fields,
        "signature": base64.b64encode(key.sign(_canonical(fields))).decode(),
    }
    (folder / SIGNATURE).write_text(json.dumps(signature, indent=2, sort_keys=True))
    (folder / PUBLIC_KEY).write_bytes(public_pem(key.public_key()))


def zip_package(folder: Path, out: Path) -> Path:
    """The folder as one zip (stored, not deflated: the videos do not shrink)."""
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
        for p in sorted(folder.iterdir()):
            if p.is_file():
                z.write(p, f"{folder.name}/{p.name}")
    os.replace(tmp, out)
    return out


# -- checking ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: list[str]
    manifest: dict[str, Any] | None
    fingerprint: str | None
    unreadable: bool = False  # not a package at all (no zip, no manifest): nothing could be checked
    key_checked: bool = True  # signed by the key the checker named (False: the one inside)

    def text(self) -> str:
        if self.ok:
            m = self.manifest or {}
            req = m.get("request", {})
            line = (
                f"OK: request {req.get('number', '?')}, {len(m.get('files', {}))} file(s), "
                f"signed by key {self.fingerprint}"
            )
            if not self.key_checked:
                line += (
                    " (the key inside the package: whose it is was not checked; give --key with"
                    " the center's fingerprint)"
                )
            return line
        return ("UNREADABLE: " if self.unreadable else "FAILED: ") + "; ".join(self.problems)


class _Reader:
    """A package as a folder or a zip (one top folder inside, or none)."""

    def __init__(self, path: Path) -> None:
        self.zip: zipfile.ZipFile | None = None
        self.folder: Path | None = None
        if path.is_dir():
            self.folder = path
            self.names = sorted(p.name for p in path.iterdir() if p.is_file())
        elif zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            entries = [n for n in self.zip.namelist() if not n.endswith("/")]
            tops = {n.split("/")[0] for n in entries if "/" in n}
            self.prefix = (tops.pop() + "/") if len(tops) == 1 and all("/" in n for n in entries) else ""
            self.names = sorted(n[len(self.prefix) :] for n in entries)
        else:
            raise PackageError(f"{path} is neither a package folder nor a zip")

    def read(self, name: str) -> bytes:
        if self.folder is not None:
            return (self.folder / name).read_bytes()
        assert self.zip is not None
        return self.zip.read(self.prefix + name)

    def sha256(self, name: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        if self.folder is not None:
            f = (self.folder / name).open("rb")
        else:
            assert self.zip is not None
            f = self.zip.open(self.prefix + name)
        with f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size


# what reading a damaged zip raises: a bad CRC or header, a truncated or undecodable member
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


def verify(path: Path, expected_key: str | None = None) -> Verdict:
    """Check a package offline; ``expected_key`` is the fingerprint (or its start, 16+ hex digits)
    of the key it must be signed by. Names every file or field that fails; a package that cannot
    be read at all is ``unreadable``."""
    try:
        reader = _Reader(path)
    except (PackageError, *_DAMAGED) as exc:
        return Verdict(False, [str(exc)], None, None, unreadable=True)
    missing = [n for n in (MANIFEST, SIGNATURE, PUBLIC_KEY) if n not in reader.names]
    if missing:
        return Verdict(False, [f"{n} is missing" for n in missing], None, None, unreadable=True)
    try:
        manifest = json.loads(reader.read(MANIFEST))
        signature = json.loads(reader.read(SIGNATURE))
        public = serialization.load_pem_public_key(reader.read(PUBLIC_KEY))
    except (ValueError, UnicodeDecodeError, *_DAMAGED) as exc:
        return Verdict(False, [f"unreadable manifest, signature or key: {exc}"], None, None, unreadable=True)
    if not isinstance(public, Ed25519PublicKey) or not isinstance(manifest, dict):
        return Verdict(False, ["public_key.pem is not an Ed25519 key"], None, None, unreadable=True)
    problems: list[str] = []
    fp = fingerprint(public)
    if expected_key and not _same_fingerprint(fp, expected_key):
        problems.append(f"signed by key {fp}, not by the expected {expected_key}")
    fields = signature.get("fields") if isinstance(signature, dict) else None
    try:
        public.verify(base64.b64decode(signature.get("signature", "")), _canonical(fields))
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        problems.append("signature.json: the signature does not match its fields table (or the key)")
        fields = None
    if isinstance(fields, dict):
        now = field_digests(manifest)
        for name in sorted(set(fields) | set(now)):
            if name not in now:
                problems.append(f"manifest field {name} was removed")
            elif name not in fields:
                problems.append(f"manifest field {name} was added")
            elif fields[name] != now[name]:
                problems.append(f"manifest field {name} was changed")
    listed = manifest.get("files", {}) if isinstance(manifest.get("files"), dict) else {}
    for name, meta in sorted(listed.items()):
        if name not in reader.names:
            problems.append(f"file {name} is missing")
            continue
        try:
            digest, size = reader.sha256(name)
        except _DAMAGED as exc:
            problems.append(f"file {name}: its data in the zip is damaged ({exc}): it was changed")
            continue
        if digest != meta.get("sha256") or size != meta.get("bytes"):
            problems.append(f"file {name}: SHA-256 does not match the manifest (the file was changed)")
    unlisted = OWN_FILES | (UNLISTED_BEFORE_2 if manifest.get("format") == "gwanje-evidence/1" else set())
    for name in reader.names:
        if name not in listed and name not in unlisted:
            problems.append(f"file {name} is not in the manifest")
    return Verdict(not problems, problems, manifest, fp, key_checked=expected_key is not None)
