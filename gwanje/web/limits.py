"""Request limits: bodies over the configured size are refused with 413; inputs no route
should see (control characters, NaN, huge integers) with 422."""

from __future__ import annotations

import json
from urllib.parse import unquote


class BodyLimit:
    """Refuses request bodies over the limit with 413, whether or not they declare a length."""

    def __init__(self, app, limit: int, on_refused=None) -> None:  # noqa: ANN001 - ASGI app, a callable
        self.app, self.limit = app, limit
        self.on_refused = on_refused or (lambda path: None)  # told the path of each refusal

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            self.on_refused(scope.get("path", ""))
            return await self._refuse(send)
        seen = 0
        too_large = False

        async def counted():
            nonlocal seen, too_large
            if too_large:  # what is past the limit is never read
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def answered(message) -> None:  # noqa: ANN001
            # a body cut at the limit is unreadable to the route (it would say 400 or 422): once
            # the limit is passed, the answer is 413 whatever the route made of what it got
            if not too_large:
                return await send(message)
            if message["type"] == "http.response.start":
                self.on_refused(scope.get("path", ""))
                await self._refuse(send)

        return await self.app(scope, counted, answered)

    async def _refuse(self, send) -> None:  # noqa: ANN001
        body = b'{"detail":"request body too large"}'
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
_BIGGEST = 2**63 - 1


class _Refused(ValueError):
    pass


def _no_constants(name: str) -> float:
    raise _Refused(f"{name} is not a number JSON allows")


def _check(value: object, where: str = "body") -> None:
    if isinstance(value, str):
        if any(ch in _CONTROL for ch in value):
            raise _Refused(f"{where}: control characters (NUL, ...) are not accepted")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > _BIGGEST:
            raise _Refused(f"{where}: number out of range")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, where)
            _check(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check(v, f"{where}[{i}]")


class InputSanity:
    """Refuses with 422 what no route should have to think about: control characters (NUL ...)
    in the path, the query or any JSON string, NaN and Infinity, integers beyond 64 bits. (The
    databases choke on these: PostgreSQL refuses NUL in text, and JSON columns NaN.)"""

    def __init__(self, app) -> None:  # noqa: ANN001 - ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        target = unquote(scope.get("path", "")) + unquote(scope.get("query_string", b"").decode("latin-1"))
        if any(ch in _CONTROL for ch in target):
            return await _unprocessable(send, "control characters (NUL, ...) are not accepted in the address")
        headers = dict(scope.get("headers") or [])
        if b"json" not in headers.get(b"content-type", b""):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            _check(json.loads(body, parse_constant=_no_constants))
        except _Refused as exc:
            return await _unprocessable(send, str(exc))
        except (ValueError, UnicodeDecodeError):
            pass  # not JSON at all: the route's own validation says so
        replayed = False

        async def again():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, again, send)


async def _unprocessable(send, detail: str) -> None:  # noqa: ANN001
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
