"""The API's OpenAPI document, made to say what the server really answers.

FastAPI documents a route's success and its validation error only. Every other answer the center
gives is added here from what the route depends on: 401 where a session is needed, 403 where a
role is needed or a change needs its CSRF token, 404 where the path names something, 400 and 413
where a body is read (unreadable JSON; past ``server.max_body_bytes``), 422 wherever input is
checked, with the shape it really has (FastAPI's list of field errors, or one sentence for a
check that spans fields or needs the store). What only some routes answer (409 on a state that
forbids the change, 429 on a limit) they declare themselves with :func:`errors`. A method a path
does not have is answered 405 with the ``Allow`` of every route on that path.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.routing import Match

from gwanje.web.auth import CSRF_HEADER, SESSION_COOKIE
from gwanje.web.deps import SAFE_METHODS, current_principal

BODY_METHODS = {"POST", "PUT", "PATCH"}
REASONS = {
    400: "The body is not readable JSON",
    401: "No valid session: sign in first",
    403: "The role does not allow this, or the CSRF token is missing or wrong",
    404: "Nothing of that name, or nothing this account may see",
    409: "The present state does not allow this",
    413: "The body is larger than the server takes",
    422: "The input is not valid",
    410: "It existed but is gone (expired or destroyed)",
    429: "Too many: wait, or close what is open",
}


def _file(media: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


IMAGE = _file("image/jpeg", "A JPEG picture")
PLAN_IMAGE = {
    200: {
        "description": "The site plan picture as configured (map.plan_image)",
        "content": {
            m: {"schema": {"type": "string", "format": "binary"}} for m in ("image/png", "image/jpeg")
        },
    }
}
MP4 = _file("video/mp4", "An MP4 video")
ZIP = _file("application/zip", "The signed package (a ZIP)")
MJPEG = _file("multipart/x-mixed-replace", "Live JPEG frames, one part each, until the view is closed")
EVENT_STREAM = {
    200: {
        "description": "Server-sent events (hello, alert, camera, wall...), each data a JSON object, until closed",
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "event": {"type": "string"},
                        "data": {"type": "string"},
                        "id": {"type": "string"},
                        "retry": {"type": "integer"},
                    },
                }
            }
        },
    }
}
LEDGER_FILES = {
    200: {
        "description": "The ledger as CSV or as an Excel workbook",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


class Problem(BaseModel):
    """An error: one sentence saying what was wrong."""

    detail: str


class FieldProblem(BaseModel):
    """One field that failed validation (FastAPI's form)."""

    model_config = ConfigDict(extra="allow")
    loc: list[str | int]
    msg: str
    type: str


class InvalidInput(BaseModel):
    """Input refused: a list of field problems, or one sentence for a check across fields."""

    detail: list[FieldProblem] | str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the answers only this route gives (409, 429, a 404 without a path id)."""
    return {code: {"model": Problem, "description": REASONS[code]} for code in codes}


def _calls(route: APIRoute) -> set[Any]:
    seen: set[Any] = set()
    todo = [route.dependant]
    while todo:
        d = todo.pop()
        seen.add(d.call)
        todo.extend(d.dependencies)
    return seen


def _needs_role(calls: set[Any]) -> bool:
    return any(getattr(c, "__qualname__", "").startswith("require.") for c in calls)


def implied_codes(route: APIRoute, method: str) -> set[int]:
    """The error answers a route gives by what it depends on, as the module docstring lists."""
    calls = _calls(route)
    codes = set()
    if current_principal in calls:
        codes.add(401)
        if method not in SAFE_METHODS or _needs_role(calls):
            codes.add(403)
    if route.param_convertors:
        codes.add(404)
    if method in BODY_METHODS:  # the body limit and the input checks look at any body sent
        codes |= {400, 413, 422}
    if route.dependant.path_params or route.dependant.query_params:
        codes.add(422)
    return codes


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(app: FastAPI, routes: list[APIRoute]) -> dict:
    """The OpenAPI document with every answer declared (computed once, then kept)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, FieldProblem, InvalidInput):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in body.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas[model.__name__] = body
    spec["components"]["securitySchemes"] = {
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "POST /api/auth/login",
        },
        "csrf": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": "the csrf of the login reply",
        },
    }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = spec["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            for answer in answers.values():  # a file or a stream: not also "application/json"
                content = answer.get("content", {})
                if len(content) > 1 and content.get("application/json") == {"schema": {}}:
                    del content["application/json"]
            codes = implied_codes(route, method)
            if 401 in codes:
                operation["security"] = [
                    {"session": []} if method in SAFE_METHODS else {"session": [], "csrf": []}
                ]
            for code in sorted(codes):
                if code == 422:
                    answers["422"] = _json(_ref("InvalidInput"), REASONS[422])
                else:
                    answers.setdefault(str(code), _json(_ref("Problem"), REASONS[code]))
    app.openapi_schema = spec
    return spec


def allowed_methods(request: Request, routes: list[APIRoute]) -> list[str]:
    """Every method some route takes at this path (not only the first route's)."""
    methods: set[str] = set()
    for route in routes:
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


def install(app: FastAPI, routers: list[APIRouter]) -> None:
    """Serve the honest document as ``app.openapi()`` and answer 405 with the whole ``Allow``."""
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    app.openapi = lambda: document(app, routes)  # type: ignore[method-assign]

    @app.exception_handler(405)
    async def method_not_allowed(request: Request, exc: HTTPException) -> JSONResponse:
        allow = allowed_methods(request, routes)
        return JSONResponse(
            {"detail": f"{request.method} is not allowed here; allowed: {', '.join(allow)}"},
            405,
            headers={"Allow": ", ".join(allow)},
        )
