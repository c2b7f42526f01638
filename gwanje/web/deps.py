"""Typed dependencies: the center, the signed-in principal (with CSRF on changes), role checks."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from pydantic import AfterValidator, AwareDatetime

from gwanje.center.core import Center
from gwanje.web.auth import CSRF_HEADER, SESSION_COOKIE, Principal, csrf_ok, principal_for, touch

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_CACHE_S = 5.0  # a session found valid is trusted this long without asking the store again
TOUCH_S = 60.0  # a session's last use is written at most this often
RECHECK_S = 2.0  # an open stream asks again this often whether its session still holds


def _plausible(value: AwareDatetime):  # noqa: ANN202
    """A time a control center can mean: 1970-2200, and one that converts to UTC."""
    from datetime import UTC

    try:
        utc_value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("that time is out of range") from None
    if not 1970 <= utc_value.year <= 2200:
        raise ValueError("that time is out of range (1970-2200)")
    return utc_value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


def get_center(request: Request) -> Center:
    return request.app.state.center


CenterDep = Annotated[Center, Depends(get_center)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def audit_now(center: Center, principal: Principal, action: str, target: str, detail: dict, ip: str) -> None:
    """One audit row in a transaction of its own (for what a route reads rather than changes)."""
    from gwanje.store import audit

    with center.db.sessions.begin() as s:
        audit.record(s, username=principal.username, action=action, target=target, detail=detail, ip=ip)


def forget_principals(request: Request, username: str) -> None:
    """Drop the cached sessions of an account whose sessions just changed (ended, capped)."""
    cache = request.app.state.principal_cache
    for key in [k for k, (p, _) in cache.items() if p.username == username]:
        cache.pop(key, None)


def current_principal(request: Request, center: CenterDep) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    cache: dict[str, tuple[Principal, float]] = request.app.state.principal_cache
    hit = cache.get(token or "")
    if hit is not None and hit[1] > time.monotonic():
        principal = hit[0]
    else:
        with center.db.sessions() as s:
            principal = principal_for(s, token, idle(center))
        if principal is None:
            raise HTTPException(401, "sign in first")
        if time.time() - principal.seen_at > TOUCH_S:
            with center.db.sessions.begin() as s:
                touch(s, principal.token_hash)
        now = time.monotonic()
        if len(cache) > 1000:  # sessions come and go: keep only the entries still fresh
            for key in [k for k, (_, until) in cache.items() if until <= now]:
                del cache[key]
        cache[token or ""] = (principal, now + _CACHE_S)
    if request.method not in SAFE_METHODS and not csrf_ok(principal, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "missing or wrong CSRF token (send the X-CSRF-Token header)")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def idle(center: Center) -> timedelta:
    return timedelta(minutes=center.settings.idle_minutes)


async def still_allowed(center: Center, request: Request, principal: Principal, also=None) -> bool:  # noqa: ANN001
    """For an open stream: whether its session still holds (not logged out, expired, idle, the
    account disabled or its role changed) and, with ``also``, whatever else the stream rests on."""

    def check() -> bool:
        with center.db.sessions() as s:
            now = principal_for(s, request.cookies.get(SESSION_COOKIE), idle(center))
        same = now is not None and (now.user_id, now.role, now.agency) == (
            principal.user_id,
            principal.role,
            principal.agency,
        )
        if same and now is not None and time.time() - now.seen_at > TOUCH_S:
            with center.db.sessions.begin() as s:  # an open console is a session in use
                touch(s, now.token_hash)
        return same and (also is None or also())

    return await asyncio.to_thread(check)


class StreamSlots:
    """How many streams each session holds open (at most ``limit`` each)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def take(self, principal: Principal) -> None:
        n = self._open.get(principal.token_hash, 0)
        if n >= self.limit:
            raise HTTPException(429, f"at most {self.limit} open live views and streams per session")
        self._open[principal.token_hash] = n + 1

    def give(self, principal: Principal) -> None:
        n = self._open.get(principal.token_hash, 1) - 1
        if n <= 0:
            self._open.pop(principal.token_hash, None)
        else:
            self._open[principal.token_hash] = n


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
