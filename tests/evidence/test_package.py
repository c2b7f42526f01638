"""The signed package: every field and file named when changed, a foreign key caught by --key."""

from __future__ import annotations

import json
import os
import stat
import zipfile

from gwanje.evidence.package import fingerprint, load_or_create_key, seal, verify, zip_package


def make(tmp_path, name="pkg"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "cam-1.mp4").write_bytes(os.urandom(5000))
    key = load_or_create_key(tmp_path / "keys")
    seal(folder, {"request": {"number": "2026-0001", "case_number": "A-1"}, "cameras": []}, key)
    return folder, key


def test_the_key_is_made_once_and_private(tmp_path) -> None:
    key = load_or_create_key(tmp_path / "keys")
    assert stat.S_IMODE((tmp_path / "keys" / "evidence_ed25519.pem").stat().st_mode) == 0o600
    assert fingerprint(load_or_create_key(tmp_path / "keys").public_key()) == fingerprint(key.public_key())


def test_folder_and_zip_verify_and_each_change_is_named(tmp_path) -> None:
    folder, key = make(tmp_path)
    assert verify(folder).ok
    z = zip_package(folder, tmp_path / "pkg.zip")
    assert verify(z, fingerprint(key.public_key())).ok
    assert verify(z, fingerprint(key.public_key())[:19]).ok  # the start of it is enough
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["request"]["case_number"] = "A-2"
    manifest["extra"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    problems = verify(folder).problems
    assert "manifest field /request/case_number was changed" in problems
    assert "manifest field /extra was added" in problems
    (folder / "cam-1.mp4").unlink()
    (folder / "note.txt").write_text("x")
    problems = verify(folder).problems
    assert "file cam-1.mp4 is missing" in problems and "file note.txt is not in the manifest" in problems


def test_a_broken_signature_or_foreign_key_fails(tmp_path) -> None:
    folder, key = make(tmp_path)
    sig = json.loads((folder / "signature.json").read_text())
    sig["fields"]["/request/number"] = "0" * 64
    (folder / "signature.json").write_text(json.dumps(sig))
    assert any("signature" in p for p in verify(folder).problems)
    other, _ = make(tmp_path, "other")
    assert verify(other).ok
    res = verify(other, "0000" * 16)
    assert not res.ok and "not by the expected" in res.problems[0]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("x/readme", "hello")
    assert not verify(bad).ok and "manifest.json is missing" in verify(bad).problems


def test_the_cli_says_ok_or_failed_in_one_go_and_one_line_for_bad_input(tmp_path) -> None:
    from typer.testing import CliRunner

    from gwanje.cli.main import app

    folder, key = make(tmp_path)
    ok = CliRunner().invoke(app, ["evidence", "verify", str(folder), "--key", fingerprint(key.public_key())])
    assert ok.exit_code == 0 and ok.output.startswith("OK: request 2026-0001")
    (folder / "cam-1.mp4").write_bytes(b"changed")
    bad = CliRunner().invoke(app, ["evidence", "verify", str(folder)])
    assert bad.exit_code == 1 and "FAILED" in bad.output and "file cam-1.mp4" in bad.output
    gone = CliRunner().invoke(app, ["evidence", "verify", str(tmp_path / "nope.zip")])
    assert gone.exit_code == 2 and len(gone.output.strip().splitlines()) == 1


def test_a_damaged_zip_and_a_changed_readme_are_named(tmp_path) -> None:
    """A byte flipped inside a file's stored data was a BadZipFile traceback; a changed README
    passed as OK (format 1 left it out of the manifest)."""
    from typer.testing import CliRunner

    from gwanje.cli.main import app

    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "cam-1.mp4").write_bytes(os.urandom(5000))
    key = load_or_create_key(tmp_path / "keys")
    seal(folder, {"request": {"number": "2026-0002"}}, key, readme="이 패키지는 ...\n")
    assert "README.txt" in json.loads((folder / "manifest.json").read_text())["files"]
    z = zip_package(folder, tmp_path / "pkg.zip")
    raw = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("pkg/cam-1.mp4")
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 2000
    raw[at] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    res = CliRunner().invoke(
        app, ["evidence", "verify", str(damaged), "--key", fingerprint(key.public_key())]
    )
    assert res.exit_code == 1 and "file cam-1.mp4" in res.output and "Traceback" not in res.output, res.output
    (folder / "README.txt").write_text("다른 안내\n", encoding="utf-8")
    assert verify(folder).problems == [
        "file README.txt: SHA-256 does not match the manifest (the file was changed)"
    ]
    # nothing a package could be: one line, exit 2
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04" + os.urandom(300))
    res = CliRunner().invoke(app, ["evidence", "verify", str(junk)])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output


def test_without_key_the_ok_says_the_origin_was_not_checked(tmp_path) -> None:
    folder, key = make(tmp_path)
    assert "was not checked" in verify(folder).text()
    assert "was not checked" not in verify(folder, fingerprint(key.public_key())).text()
