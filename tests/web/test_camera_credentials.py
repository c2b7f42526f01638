"""Camera credentials are kept apart from the URL and never returned: operators and liaisons see
rtsp://***@host/..., an admin editing the camera as shown keeps the stored password, and a
source's error messages carry no credentials."""

from __future__ import annotations

from support.events import make_event

from gwanje.config import CameraConfig
from gwanje.store.models import CameraRow
from gwanje.video.source import SourceError, VideoSource

SECRET = "s3cr3t-PW"


def test_credentials_never_leave_the_center(center) -> None:
    admin = center.client("admin")
    body = {"name": "후문", "url": f"rtsp://viewer:{SECRET}@192.0.2.7:554/stream1"}
    r = admin.put("/api/cameras/cam-2", json=body)
    assert r.status_code == 200, r.text
    # liaisons see it only through a dispatch
    hit = make_event("cam-2")
    center.app.state.center.ingest([hit])
    kim = center.client("kim")
    kim.post(f"/api/alerts/{hit.event_id}/acknowledge", json={})
    kim.post(f"/api/alerts/{hit.event_id}/dispatch", json={"agency": "police"})
    for who in ("admin", "kim", "park", "police"):
        c = center.client(who)
        for path in ("/api/cameras", "/api/cameras/cam-2"):
            text = c.get(path).text
            assert SECRET not in text and "viewer:" not in text, (who, path)
    shown = admin.get("/api/cameras/cam-2").json()
    assert shown["url"] == "rtsp://***@192.0.2.7:554/stream1" and shown["config"]["password"] == "***"
    audit = admin.get("/api/audit", params={"action": "camera_add"}).text
    assert SECRET not in audit
    # an admin changes the name on the config as shown: the stored password stays
    r = admin.put("/api/cameras/cam-2", json={**shown["config"], "name": "후문 (주차장)"})
    assert r.status_code == 200, r.text
    core = center.app.state.center
    with core.db.sessions() as s:
        stored = CameraConfig.model_validate(s.get(CameraRow, "cam-2").config)
    assert stored.url == "rtsp://192.0.2.7:554/stream1" and stored.password == SECRET
    assert stored.source_url() == f"rtsp://viewer:{SECRET}@192.0.2.7:554/stream1"


def test_source_errors_name_the_camera_without_its_password() -> None:
    src = VideoSource("x", f"rtsp://viewer:{SECRET}@127.0.0.1:9/none", open_timeout_s=1)
    try:
        src._open()
    except SourceError as exc:
        assert SECRET not in str(exc) and "***@127.0.0.1:9" in str(exc)
    else:  # pragma: no cover - nothing listens on port 9
        raise AssertionError("opened a stream on the discard port")
