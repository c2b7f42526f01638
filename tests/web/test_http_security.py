"""What every answer says about itself (CSP, no framing, nosniff, no referrer, no caching of
personal data), the Host check against DNS rebinding, the API description for administrators
only, and HTTPS with Secure cookies and HSTS."""

from __future__ import annotations

import datetime

import pytest


def test_security_headers_on_the_console_and_the_api(center) -> None:
    c = center.client("kim")
    for path in ("/", "/static/js/main.js", "/api/alerts", "/api/nope"):
        r = c.get(path)
        csp = r.headers.get("content-security-policy", "")
        assert (
            "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        ), path
        assert (
            r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        )
        assert r.headers["x-frame-options"] == "DENY"
    assert c.get("/api/alerts").headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in c.get("/").headers  # not over TLS


def test_a_foreign_host_name_is_refused(center) -> None:
    c = center.client()
    assert c.get("/api/health", headers={"Host": "attacker.example"}).status_code == 400
    assert c.get("/api/health", headers={"Host": "127.0.0.1:8080"}).status_code == 200
    assert c.get("/api/health", headers={"Host": "localhost"}).status_code == 200


def test_the_api_description_is_for_administrators_only(center) -> None:
    anonymous = center.client()
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert anonymous.get(path).status_code == 404
    assert anonymous.get("/api/openapi.json").status_code == 401
    assert center.client("kim").get("/api/openapi.json").status_code == 403
    spec = center.client("admin").get("/api/openapi.json")
    assert spec.status_code == 200 and "/api/alerts" in spec.json()["paths"]


def _self_signed(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certfile, keyfile


@pytest.mark.slow
def test_https_with_secure_cookies_and_hsts(tmp_path) -> None:
    import httpx
    from support.center_process import PASSWORD, run_center

    certfile, keyfile = _self_signed(tmp_path)
    with run_center(tmp_path / "center", [], certfile=certfile, keyfile=keyfile) as center:
        assert center.base.startswith("https://")
        c = httpx.Client(base_url=center.base, verify=False)
        r = c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD})
        assert r.status_code == 200
        cookies = r.headers.get_list("set-cookie")
        assert cookies and all("Secure" in ck for ck in cookies)
        assert r.headers["strict-transport-security"].startswith("max-age=")
        with pytest.raises(httpx.HTTPError):
            httpx.get(center.base.replace("https", "http") + "/api/health", timeout=3)
