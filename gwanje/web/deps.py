"""Typed dependencies: the center, the signed-in principal (with CSRF on changes), role checks."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime, timedelta
from types import UnionType
from typing import Annotated, Union, get_args, get_origin

from fastapi import Depends, HTTPException, Path, Request
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, model_validator

from gwanje.center.core import Center
from gwanje.store import throttle
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


def _iso_text(value: object) -> object:
    """Only ISO 8601 text: pydantic would also read ``0.5`` or ``false`` as seconds since 1970."""
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("a date and time in ISO 8601 with its offset, e.g. 2026-12-07T09:00:00+09:00")
    if not isinstance(value, str | datetime):
        raise ValueError("a date and time as text (ISO 8601)")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_plausible)]


class Body(BaseModel):
    """A request body whose numbers and yes/no fields take JSON's own types: ``false`` is not 0,
    ``"5"`` is not 5 and ``0`` is not ``false`` (pydantic's lax mode would convert them)."""

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, data: object) -> object:
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                value = data.get(field.alias or name)
                kinds = _scalar_kinds(field.annotation)
                if value is None or not kinds:
                    continue
                if kinds == {bool} and not isinstance(value, bool):
                    raise ValueError(f"{name}: true or false")
                if kinds & {int, float} and isinstance(value, bool | str):
                    raise ValueError(f"{name}: a number, not {json.dumps(value, ensure_ascii=False)[:40]}")
        return data


def _scalar_kinds(annotation: object) -> set[type]:
    """bool, int and float in a field's type, through Optional and Annotated."""
    if annotation in (bool, int, float):
        return {annotation}  # type: ignore[arg-type]
    origin = get_origin(annotation)
    if origin is Annotated:
        return _scalar_kinds(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return set().union(*(_scalar_kinds(a) for a in get_args(annotation)))
    return set()


# ids in a path: a row of the store (a 32-bit key on PostgreSQL) and a frame's place in a list
RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the record's number")]
FrameIndex = Annotated[int, Path(ge=0, le=100_000)]


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


def plausible_time(center: Center, when: datetime | None, name: str) -> None:
    """422 unless ``when`` (a time another system reports: an event's start, an incident's) lies
    between ``server.event_past_days`` ago and ``server.event_future_s`` from now."""
    if when is None:
        return
    st = center.settings
    now = datetime.now(UTC)
    if not now - timedelta(days=st.event_past_days) <= when <= now + timedelta(seconds=st.event_future_s):
        raise HTTPException(
            422,
            f"{name} {when.isoformat()} is implausible: it must lie between "
            f"{st.event_past_days:g} days ago and {st.event_future_s:g} s from now",
        )


def login_policy(center: Center) -> throttle.Policy:
    """How failed logins make an account and an address wait (server.login_attempts, _window_s)."""
    st = center.settings
    return throttle.Policy(st.login_attempts, st.login_attempts * 4, timedelta(seconds=st.login_window_s))
