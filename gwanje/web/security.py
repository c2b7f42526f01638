"""Headers every answer carries, and the Host check (pure ASGI: live streams pass untouched).

- Content-Security-Policy: scripts and styles only from the center itself (the console has no
  inline script), images also from the site's tile server, nothing may frame the console.
- nosniff, no referrer, no framing (also the old X-Frame-Options), same-origin opener.
- ``Cache-Control: no-store`` on every API answer that did not set its own (personal data).
- HSTS when served over TLS.
- A Host outside ``server.allowed_hosts`` gets 400: a DNS name an attacker controls cannot be
  pointed at a center on loopback or the LAN (DNS rebinding).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def policy(tile_url: str | None) -> str:
    tiles = ""
    if tile_url:
        parts = urlsplit(
            tile_url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
        )
        if parts.scheme and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            tiles = f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; media-src 'self' blob:; connect-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str], csp: str) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self.csp = csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if not self.any_host and name.lower().strip("[]") not in self.hosts:
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send(
                {"type": "http.response.body", "body": b'{"detail":"this host name is not served here"}'}
            )
            return
        is_api = scope["path"].startswith("/api/")
        tls = scope.get("scheme") == "https"

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", self.csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if is_api and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                if tls:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)
