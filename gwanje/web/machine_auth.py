"""Machines, not people: a request carrying an API key (``Authorization: Bearer gwk_...`` or
``X-Api-Key``) instead of a session. The key is checked by the center's inbound service (known,
live, its scope, its rate); a refusal is a 401, 403 or 429 with one line, and is counted."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gwanje.center.exchange.inbound import InboundError
from gwanje.store.models_exchange import ApiKeyRow
from gwanje.web.deps import CenterDep


def key_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def http_error(exc: InboundError) -> HTTPException:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    return HTTPException(exc.status, exc.reason, headers=headers or None)


def authenticated(request: Request, center: CenterDep, scope: str) -> ApiKeyRow:
    """The request's key, when it may be used for ``scope`` now; else the HTTP refusal."""
    try:
        return center.inbound.authenticate(key_of(request), scope)
    except InboundError as exc:
        raise http_error(exc) from None


def machine(scope: str):  # noqa: ANN201 - a dependency
    def check(request: Request, center: CenterDep) -> ApiKeyRow:
        return authenticated(request, center, scope)

    check.__qualname__ = f"machine.{scope}"
    return Depends(check)


AlarmKey = Annotated[ApiKeyRow, machine("alarms")]
IncidentKey = Annotated[ApiKeyRow, machine("incidents")]
StatusKey = Annotated[ApiKeyRow, machine("status")]
