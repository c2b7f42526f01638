"""Evidence provision end to end on real footage (PETS 2009): police request → supervisor marks
a subject on a frame and approves after the masked preview → signed package → police download →
offline verify; tampering and a foreign key are named; the ledger fills itself; the period ends
and the package is destroyed (injected clock)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from support.events import make_event
from support.recorded import record_clip
from typer.testing import CliRunner

from gwanje.cli.main import app as cli
from gwanje.evidence.package import load_or_create_key, seal
from gwanje.store import provisions as repo
from gwanje.store.models import now_utc

pytestmark = pytest.mark.slow


@pytest.fixture
def pets(center, vtest_h264):
    """12 s of the PETS clip recorded on cam-1 an hour ago (4-s segments)."""
    core = center.app.state.center
    start = now_utc().replace(microsecond=0) - timedelta(hours=1)
    segs = record_clip(vtest_h264, "cam-1", core.recordings.volume, start, 12.0)
    for seg in segs:
        core.recordings.on_segment(seg)
    return segs


def wait(client, pid: int, timeout: float = 180.0) -> dict:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        body = client.get(f"/api/provisions/{pid}").json()
        if body["job"] is None:
            assert body["job_error"] is None, body["job_error"]
            return body
        time.sleep(0.2)
    raise AssertionError(f"request {pid} still busy")


def request_body(segs, seconds: float = 8.0, **extra) -> dict:
    return {
        "officer": "오산경찰서 형사과 김경위",
        "contact": "031-000-0000",
        "case_number": "2026-형-0142",
        "legal_basis": "pipa18_2_7",
        "purpose": "폭행 사건 피의자 동선 확인",
        "camera_ids": ["cam-1"],
        "start": (segs[0].start + timedelta(seconds=1)).isoformat(),
        "end": (segs[0].start + timedelta(seconds=1 + seconds)).isoformat(),
        "persons": "검은 옷 남성",
        **extra,
    }


def dispatch_to_police(center) -> None:
    hit = make_event("cam-1")
    center.app.state.center.ingest([hit])
    kim = center.client("kim")
    assert kim.post(f"/api/alerts/{hit.event_id}/acknowledge", json={}).status_code == 200
    r = kim.post(f"/api/alerts/{hit.event_id}/dispatch", json={"agency": "police", "note": "112"})
    assert r.status_code == 200, r.text


def verify(path, *extra) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["evidence", "verify", str(path), *extra])
    return result.exit_code, result.output


def test_police_request_to_verified_package_and_destruction(center, pets, tmp_path):
    police, park, kim = center.client("police"), center.client("park"), center.client("kim")
    body = request_body(pets)
    # police see only cameras of alerts dispatched to them
    assert police.post("/api/provisions", json=body).status_code == 403
    dispatch_to_police(center)
    assert center.client("fire").post("/api/provisions", json=body).status_code == 403
    bad = {
        "legal_basis": "curiosity",
        "camera_ids": ["nope"],
        "start": (pets[0].start - timedelta(hours=3)).isoformat(),
    }
    for key, value in bad.items():
        extra = {"end": (pets[0].start - timedelta(hours=2)).isoformat()} if key == "start" else {}
        r = police.post("/api/provisions", json={**body, key: value, **extra})
        assert r.status_code == 422 and r.json()["detail"], (key, r.text)
    r = police.post("/api/provisions", json=body)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "requested" and req["agency"] == "police" and req["number"].endswith("-0001")
    pid = req["id"]
    req = wait(park, pid)
    assert req["found"] and req["preview_ready"] and req["subjects"] == []

    # the supervisor marks a person on a frame as the subject; the preview is made again with them
    picks = park.get(f"/api/provisions/{pid}/picks").json()
    assert picks and picks[0]["people"], picks
    assert park.get(picks[0]["image"]).headers["content-type"] == "image/jpeg"
    assert police.get(f"/api/provisions/{pid}/picks").status_code == 403
    subject = max(picks[0]["people"], key=lambda p: p[4] - p[2])[0]
    r = park.post(
        f"/api/provisions/{pid}/subjects", json={"subjects": [{"camera_id": "cam-1", "track_id": 999}]}
    )
    assert r.status_code == 409
    r = park.post(
        f"/api/provisions/{pid}/subjects", json={"subjects": [{"camera_id": "cam-1", "track_id": subject}]}
    )
    assert r.status_code == 200, r.text
    req = wait(park, pid)
    assert req["preview_ready"] and req["subjects"] == [{"camera_id": "cam-1", "track_id": subject}]
    r = park.post(f"/api/provisions/{pid}/approve")
    assert r.status_code == 409 and "preview" in r.json()["detail"]  # not before they have seen it
    assert park.get(f"/api/provisions/{pid}").json()["state"] == "requested"
    preview = park.get(f"/api/provisions/{pid}/preview", params={"camera_id": "cam-1"}).json()
    assert park.get(preview["url"]).headers["content-type"] == "video/mp4"

    # an operator cannot approve; the supervisor can
    assert kim.post(f"/api/provisions/{pid}/approve").status_code == 403
    assert police.post(f"/api/provisions/{pid}/approve").status_code == 403
    r = park.post(f"/api/provisions/{pid}/approve")
    assert r.status_code == 200, r.text
    req = wait(park, pid)
    assert req["state"] == "exported" and req["hold_id"] and req["package"].endswith(".zip")
    holds = park.get("/api/holds").json()
    assert any(h["id"] == req["hold_id"] and h["active"] for h in holds)

    # download: only the police liaison, through a link
    assert park.post(f"/api/provisions/{pid}/link").status_code == 403
    link = police.post(f"/api/provisions/{pid}/link").json()
    assert police.get(link["url"].replace("token=", "token=x")).status_code == 403
    got = police.get(link["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert police.get(f"/api/provisions/{pid}").json()["state"] == "handed_over"
    package = tmp_path / "package.zip"
    package.write_bytes(got.content)
    fp = park.get("/api/provisions/key/public").json()["fingerprint"]
    code, out = verify(package, "--key", fp)
    assert code == 0 and out.startswith("OK"), out

    # the manifest says what was given, under which basis, masked how
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as z:
        z.extractall(folder)
    (pkg,) = list(folder.iterdir())
    manifest = json.loads((pkg / "manifest.json").read_text())
    assert manifest["legal_basis"]["code"] == "pipa18_2_7" and manifest["approved_by"] == "park"
    assert manifest["masking"]["subjects"] == [{"camera_id": "cam-1", "track_id": subject}]
    assert manifest["cameras"][0]["frames"] == 80 and manifest["cameras"][0]["source_segments"]
    assert set(manifest["files"]) == {"cam-1.mp4", "README.txt"}  # format 2: the README is signed too

    # one byte of the video, one field of the manifest, another key: each is named
    video = pkg / "cam-1.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0x01
    video.write_bytes(bytes(data))
    code, out = verify(pkg)
    assert code == 1 and "cam-1.mp4" in out and "manifest field" not in out, out
    data[len(data) // 2] ^= 0x01
    video.write_bytes(bytes(data))
    assert verify(pkg)[0] == 0
    changed = {**manifest, "request": {**manifest["request"], "case_number": "2026-형-9999"}}
    original = (pkg / "manifest.json").read_text()
    (pkg / "manifest.json").write_text(json.dumps(changed, ensure_ascii=False))
    code, out = verify(pkg)
    assert code == 1 and "/request/case_number" in out, out
    (pkg / "manifest.json").write_text(original)
    other = load_or_create_key(tmp_path / "other-key")
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "cam-1.mp4").write_bytes(video.read_bytes())
    seal(
        forged, {k: v for k, v in manifest.items() if k not in ("files", "format", "key_fingerprint")}, other
    )
    assert verify(forged)[0] == 0  # well signed, by someone else's key ...
    code, out = verify(forged, "--key", fp)
    assert code == 1 and "not by the expected" in out, out  # ... which --key catches

    # the ledger: the preview viewing and the provision; an expired link gives 410
    rows = park.get("/api/ledger").json()
    kinds = [r["kind"] for r in rows]
    assert "view" in kinds and kinds.count("provide") == 1
    provide = next(r for r in rows if r["kind"] == "provide")
    assert provide["agency"] == "police" and "제18조제2항제7호" in provide["legal_basis"]
    core = center.app.state.center
    with core.db.sessions.begin() as s:
        row = repo.get(s, pid)
        row.link_expires_at = now_utc() - timedelta(seconds=1)
    assert police.get(link["url"]).status_code == 410

    # the period of use ends: the package is destroyed and the destruction recorded
    assert core.evidence.expire(now=now_utc() + timedelta(days=31)) == [req["number"]]
    req = park.get(f"/api/provisions/{pid}").json()
    assert req["state"] == "destroyed" and req["destroyed_by"] == "system"
    assert not (core.evidence.work / req["package"]).exists()
    assert police.post(f"/api/provisions/{pid}/link").status_code == 410
    assert not any(h["id"] == req["hold_id"] and h["active"] for h in park.get("/api/holds").json())
    xlsx = park.get("/api/ledger/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("번호", "구분", "일시", "파일명")
    assert {"열람", "제공", "파기"} <= {r[1] for r in table[1:]}
    csv = park.get("/api/ledger/export.csv", params={"agency": "police"})
    assert csv.status_code == 200 and csv.text.startswith("\ufeff번호,구분") and "파기" in csv.text
    assert park.get("/api/ledger/export.csv", params={"agency": "fire"}).text.count("\n") == 1
    stats = park.get("/api/ledger/stats").json()
    assert stats["provisions"] == 1 and stats["by_agency"]["police"]["destroy"] == 1
    actions = {a["action"] for a in park.get("/api/audit", params={"limit": 500}).json()}
    assert {"evidence_request", "evidence_approve", "evidence_download", "evidence_destroy"} <= actions


def test_nobody_approves_their_own_request_and_rejections_say_why(center, pets):
    park = center.client("park")
    r = park.post("/api/provisions", json=request_body(pets, 2.0, agency="police"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    wait(park, pid)
    r = park.post(f"/api/provisions/{pid}/approve")
    assert r.status_code == 403 and "filed" in r.json()["detail"]
    admin = center.client("admin")
    assert admin.post(f"/api/provisions/{pid}/reject", json={"reason": ""}).status_code == 409
    r = admin.post(f"/api/provisions/{pid}/reject", json={"reason": "범죄 관련성 소명 부족"})
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert admin.post(f"/api/provisions/{pid}/approve").status_code == 409


def test_a_data_subjects_request_tracks_its_ten_day_deadline(center, pets):
    kim = center.client("kim")
    body = request_body(
        pets, 2.0, kind="subject", legal_basis="pipa35", officer="홍길동 (본인)", case_number=""
    )
    assert kim.post("/api/provisions", json={**body, "legal_basis": "pipa18_2_7"}).status_code == 422
    r = kim.post("/api/provisions", json=body)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["kind"] == "subject" and req["due_at"] and not req["overdue"]
    core = center.app.state.center
    with core.db.sessions.begin() as s:
        repo.get(s, req["id"]).due_at = now_utc() - timedelta(hours=1)
        overdue = repo.overdue_subject_requests(s, now_utc())
    assert [p.id for p in overdue] == [req["id"]]
    assert kim.get(f"/api/provisions/{req['id']}").json()["overdue"]
    wait(kim, req["id"])


def test_the_ledger_is_append_only_and_corrections_are_new_rows(center, pets):
    kim, park = center.client("kim"), center.client("park")
    span = {"start": pets[0].start.isoformat(), "end": pets[-1].end.isoformat(), "purpose": "순찰 확인"}
    assert kim.get("/api/recordings/cam-1/clip", params=span).status_code == 200
    rows = park.get("/api/ledger", params={"kind": "view"}).json()
    assert rows[-1]["handler"] == "kim" and rows[-1]["purpose"] == "순찰 확인"
    assert kim.get("/api/ledger").status_code == 403
    r = park.post(f"/api/ledger/{rows[-1]['id']}/correct", json={"note": "목적 오기: 민원 확인"})
    assert r.status_code == 201 and r.json()["corrects_id"] == rows[-1]["id"]
    core = center.app.state.center
    from sqlalchemy import text

    with pytest.raises(Exception, match="append-only"), core.db.sessions.begin() as s:
        s.execute(text("UPDATE video_ledger SET purpose = 'x'"))
    with pytest.raises(Exception, match="append-only"), core.db.sessions.begin() as s:
        s.execute(text("DELETE FROM video_ledger"))
    assert len(park.get("/api/ledger").json()) == 2
