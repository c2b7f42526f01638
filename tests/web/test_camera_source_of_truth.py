"""The store wins over the site YAML after the first start: a camera removed through the API
stays removed at the next start (it came back from the YAML, unaudited), one changed through the
API keeps its change, and YAML additions are audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web.conftest import CAMERA

from gwanje.web.app import create_app


def test_an_api_removal_survives_a_restart(center) -> None:
    admin = center.client("admin")
    site = center.app.state.center.site
    assert admin.put("/api/cameras/cam-1", json={**CAMERA, "name": "정문 (API)"}).status_code == 200
    assert admin.put("/api/cameras/cam-9", json={"url": "/nonexistent/9.mp4"}).status_code == 200
    assert admin.delete("/api/cameras/cam-9").status_code == 200
    yaml_site = site.model_copy(
        update={"cameras": [*site.cameras, site.cameras[0].model_copy(update={"id": "cam-9"})]}
    )
    with TestClient(create_app(yaml_site, db_url=center.url, start_workers=False)) as again:
        r = again.post("/api/auth/login", json={"username": "admin", "password": "correct horse battery"})
        again.headers["X-CSRF-Token"] = r.json()["csrf"]
        cameras = {c["id"]: c for c in again.get("/api/cameras").json()}
        assert "cam-9" not in cameras  # removed through the API: the YAML does not bring it back
        assert cameras["cam-1"]["name"] == "정문 (API)"  # changed through the API: kept
        assert again.put("/api/cameras/cam-9", json={"url": "/nonexistent/9.mp4"}).status_code == 200
    audit = admin.get("/api/audit", params={"limit": 500}).json()
    assert any(a["action"] == "camera_add" and a["detail"].get("from") == "site YAML" for a in audit)
