"""Typed dependencies: the center, the signed-in principal (with CSRF on changes), role checks."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gwanje.center.core import Center
from gwanje.web.auth import CSRF_HEADER, SESSION_COOKIE, Principal, csrf_ok, principal_for

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_CACHE_S = 5.0  # a session found valid is trusted this long without asking the store again


def get_center(request: Request) -> Center:
    return request.app.state.center


CenterDep = Annotated[Center, Depends(get_center)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def current_principal(request: Request, center: CenterDep) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    cache: dict[str, tuple[Principal, float]] = request.app.state.principal_cache
    hit = cache.get(token or "")
    if hit is not None and hit[1] > time.monotonic():
        principal = hit[0]
    else:
        with center.db.sessions() as s:
            principal = principal_for(s, token)
        if principal is None:
            raise HTTPException(401, "sign in first")
        now = time.monotonic()
        if len(cache) > 1000:  # sessions come and go: keep only the entries still fresh
            for key in [k for k, (_, until) in cache.items() if until <= now]:
                del cache[key]
        cache[token or ""] = (principal, now + _CACHE_S)
    if request.method not in SAFE_METHODS and not csrf_ok(principal, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "missing or wrong CSRF token (send the X-CSRF-Token header)")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(*roles: str):
    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
        return principal

    return Depends(check)


STAFF = ("operator", "supervisor", "admin")
Staff = Annotated[Principal, require(*STAFF)]
Supervisor = Annotated[Principal, require("supervisor", "admin")]
Admin = Annotated[Principal, require("admin")]
