"""Request limits: bodies over the configured size are refused with 413; inputs no route
should see (control characters, lone surrogates, NaN and Infinity, huge integers, deep nesting)
with 422; and the 422 answer itself never fails on what it quotes back."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote

from fastapi.responses import JSONResponse


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
_SURROGATES = re.compile("[\ud800-\udfff]")
_BIGGEST = 2**63 - 1
# no route takes JSON nested past a handful of levels; the parsers recurse (a 2 kB body of a
# thousand "[" was a RecursionError): deeper bodies are refused before any route parses them
MAX_DEPTH = 32


class _Refused(ValueError):
    pass


def _no_constants(name: str) -> float:
    raise _Refused(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as Infinity, which JSON has no number for
        raise _Refused(f"{text[:20]} is out of range for a number")
    return value


def _bad_text(value: str) -> str | None:
    if any(ch in _CONTROL for ch in value):
        return "control characters (NUL, ...) are not accepted"
    if _SURROGATES.search(value):  # a lone \ud800 escape: no UTF-8 can carry it on
        return "a lone surrogate (\\ud800-\\udfff) is not text"
    return None


def _check(document: object) -> None:
    """Walks the parsed body without recursing; refuses bad text, huge integers, deep nesting."""
    todo: list[tuple[object, str, int]] = [(document, "body", 0)]
    while todo:
        value, where, depth = todo.pop()
        if isinstance(value, str):
            if (bad := _bad_text(value)) is not None:
                raise _Refused(f"{where}: {bad}")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > _BIGGEST:
                raise _Refused(f"{where}: number out of range")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise _Refused(f"{where}: nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for k, v in value.items():
                    if (bad := _bad_text(k)) is not None:
                        raise _Refused(f"{where}: a name: {bad}")
                    todo.append((v, f"{where}.{k[:40]}", depth + 1))
            else:
                todo.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))


def refusal(body: bytes) -> str | None:
    """Why a JSON body is refused (None: it is not, or it is not JSON, which the route's own
    validation then says)."""
    try:
        _check(json.loads(body, parse_constant=_no_constants, parse_float=_finite))
    except _Refused as exc:
        return str(exc)
    except RecursionError:
        return f"body: nested deeper than {MAX_DEPTH} levels"
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _json_body(headers: dict[bytes, bytes]) -> bool:
    """Whether FastAPI reads the body as JSON: a JSON type, or (its default) no type at all."""
    kind = headers.get(b"content-type")
    return kind is None or b"json" in kind


class InputSanity:
    """Refuses with 422 what no route should have to think about: control characters (NUL ...)
    in the path, the query or any JSON string, lone surrogates, NaN and Infinity (also as 1e999),
    integers beyond 64 bits, JSON nested deeper than ``MAX_DEPTH``. (The databases choke on
    these: PostgreSQL refuses NUL in text, and JSON columns NaN; the parsers recurse.)"""

    def __init__(self, app) -> None:  # noqa: ANN001 - ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        target = unquote(scope.get("path", "")) + unquote(scope.get("query_string", b"").decode("latin-1"))
        if any(ch in _CONTROL for ch in target):
            return await _unprocessable(send, "control characters (NUL, ...) are not accepted in the address")
        if not _json_body(dict(scope.get("headers") or [])):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and (why := refusal(body)) is not None:
            return await _unprocessable(send, why)
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


def _printable(value: object) -> object:
    """What a validation error quotes back, made safe to write as JSON: bytes that are no UTF-8
    and lone surrogates become escapes, anything else its text."""
    if isinstance(value, bytes):
        return value[:200].decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {str(_printable(k)): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    return _printable(str(value))


async def validation_failed(request, exc) -> JSONResponse:  # noqa: ANN001 - Request, RequestValidationError
    """FastAPI's 422, with what it quotes back made printable (its own handler crashed on a lone
    surrogate or a body that is no UTF-8)."""
    errors = [
        {k: _printable(v) for k, v in error.items() if k in ("type", "loc", "msg", "input", "ctx")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": errors}, 422)
