"""Hostile inputs for every body, query and path parameter of the API's own OpenAPI document.

For each operation a plausible request is made from the document (every body property, nested
objects and one array item, each with a value of its type; required query parameters; path ids),
then one place at a time is replaced by a hostile value of each kind below: the value is written
into the raw JSON text or the raw query string, so what arrives is exactly what a hostile client
sends (JSON libraries refuse to write most of these). Used by bench/fuzz.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

HOLE = "\u2063HOSTILE\u2063"  # stands for the value to be replaced in the JSON text

# kind → what replaces a JSON value (raw JSON text, or raw bytes for the UTF-8 kind) and what
# replaces a query or path value (already %-encoded)
DEEP = 1_000
BODY: dict[str, list[bytes]] = {
    "lone surrogate": [b'"\\ud800"', b'"a\\udfffb"', b'"\\udc80\\ud800"'],
    "deep nesting": [b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP],
    "NaN / Infinity": [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"],
    "huge numbers": [
        b"1e308",
        b"-1.7976931348623157e308",
        b"123456789012345678901234567890",
        b"-9223372036854775809",
        b"1e-400",
    ],
    "NUL and control characters": [b'"a\\u0000b"', b'"\\u001b[31m"', b'"line\\u000bfeed"'],
    "non-UTF-8": [b'"\xff\xfe"', b'"\xc3\x28"', b'"\xed\xa0\x80"'],
    "odd dates": [
        b'"0000-01-01T00:00:00Z"',
        b'"9999-12-31T23:59:59+14:00"',
        b'"2026-02-30T00:00:00Z"',
        b'"2026-12-08T25:61:00+09:00"',
        b'"1969-12-31T23:59:59Z"',
        b'"2026-12-08T09:00:00"',
        b"-62135596800",
        b"1e20",
        b'""',
    ],
}
QUERY: dict[str, list[str]] = {
    "lone surrogate": ["%ED%A0%80", "a%ED%B2%80b"],
    "deep nesting": ["%5B" * DEEP + "%5D" * DEEP],
    "NaN / Infinity": ["NaN", "inf", "-Infinity", "1e999"],
    "huge numbers": ["1e308", "123456789012345678901234567890", "-9223372036854775809"],
    "NUL and control characters": ["a%00b", "%1B%5B31m", "%0Bx"],
    "non-UTF-8": ["%FF%FE", "%C3%28"],
    "odd dates": [
        "0000-01-01T00:00:00Z",
        quote("9999-12-31T23:59:59+14:00"),
        "2026-02-30T00:00:00Z",
        quote("2026-12-08T25:61:00+09:00"),
        "1969-12-31T23:59:59Z",
        "2026-12-08T09:00:00",
        "-62135596800",
        "",
    ],
}
KINDS = list(BODY)
# whole bodies (not one place in one): what the JSON parser itself meets
WHOLE: dict[str, list[tuple[bytes, str]]] = {
    "deep nesting": [(b"[" * 100_000 + b"]" * 100_000, "application/json")],
    "non-UTF-8": [(b"\xff\xfe{\x00}", "application/json"), (b"\xff\xfe\xfa", "text/plain"), (b"\x80", "")],
    "lone surrogate": [(b'{"\\ud800": 1}', "application/json")],
}


@dataclass(frozen=True)
class Probe:
    kind: str
    method: str
    path: str  # the template, as the document names the operation
    url: str  # path and raw query
    body: bytes | None
    content_type: str | None
    where: str


def _resolve(doc: dict, schema: dict) -> dict:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
        seen += 1
    return schema


def _pick(doc: dict, schema: dict) -> dict:
    schema = _resolve(doc, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(doc, s) for s in schema[key]]
            real = [s for s in options if s.get("type") != "null"]
            return real[0] if real else options[0]
    if "allOf" in schema and schema["allOf"]:
        return _resolve(doc, schema["allOf"][0])
    return schema


def sample(doc: dict, schema: dict, depth: int = 0) -> Any:
    """A value of the schema's type (every property of an object, one item of an array)."""
    schema = _pick(doc, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {k: sample(doc, v, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        items = schema.get("prefixItems") or [schema.get("items", {})]
        return [sample(doc, s, depth + 1) for s in items] if depth <= 3 else []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(max(schema.get("minimum", 1.0), schema.get("exclusiveMinimum", 0.5) + 0.5, 1.0))
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return "x" * max(1, int(schema.get("minLength", 1)))


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Where a value could be put: every leaf, and every object and array itself."""
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))


def _with_hole(value: Any, path: tuple) -> Any:
    if not path:
        return HOLE
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _with_hole(value[head], rest)}
    copy = list(value)
    copy[head] = _with_hole(copy[head], rest)
    return copy


def _query_value(doc: dict, schema: dict) -> str:
    value = sample(doc, schema)
    if isinstance(value, bool):
        return "true"
    return quote(str(value), safe="")


def probes(doc: dict, skip: set[tuple[str, str]], known: dict[str, str]) -> Iterator[Probe]:
    """Every hostile request; ``known`` names real things for path ids (by the id's name)."""
    for path, item in sorted(doc["paths"].items()):
        for method, op in sorted(item.items()):
            if method not in ("get", "post", "put", "patch", "delete") or (method, path) in skip:
                continue
            params = [p for p in op.get("parameters", []) if p.get("in") in ("path", "query")]
            base_params = {
                (p["in"], p["name"]): quote(known[p["name"]], safe="")
                if p["in"] == "path" and p["name"] in known
                else _query_value(doc, p.get("schema", {}))
                for p in params
                if p["in"] == "path" or p.get("required")
            }
            content = op.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            body = sample(doc, body_schema) if body_schema is not None else None

            def url(values: dict, path: str = path) -> str:
                out = path
                for (where, name), v in values.items():
                    if where == "path":
                        out = out.replace("{" + name + "}", v)
                query = "&".join(f"{n}={v}" for (w, n), v in values.items() if w == "query")
                return out + ("?" + query if query else "")

            plain = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
            json_type = "application/json" if body is not None else None
            for kind in KINDS:
                for p in params:
                    for bad in QUERY[kind]:
                        values = {**base_params, (p["in"], p["name"]): bad}
                        yield Probe(
                            kind,
                            method.upper(),
                            path,
                            url(values),
                            plain,
                            json_type,
                            f"{p['in']} {p['name']}",
                        )
                if body is None:
                    continue
                for spot in _leaves(body):
                    text = json.dumps(_with_hole(body, spot), ensure_ascii=False).encode()
                    hole = json.dumps(HOLE, ensure_ascii=False).encode()
                    for bad in BODY[kind]:
                        where = "body" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in spot)
                        yield Probe(
                            kind,
                            method.upper(),
                            path,
                            url(base_params),
                            text.replace(hole, bad),
                            json_type,
                            where,
                        )
                for raw, ctype in WHOLE.get(kind, []):
                    yield Probe(
                        kind, method.upper(), path, url(base_params), raw, ctype or None, "whole body"
                    )
