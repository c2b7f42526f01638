"""Login, logout, who am I; and the unauthenticated health check."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from gwanje.store import audit
from gwanje.store.users import authenticate
from gwanje.web.auth import CSRF_COOKIE, SESSION_COOKIE, close_session, open_session
from gwanje.web.deps import CenterDep, PrincipalDep, client_ip

router = APIRouter(prefix="/api", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256)


@router.get("/health")
def health(center: CenterDep) -> dict:
    with center.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": center.db.engine.dialect.name}


@router.post("/auth/login")
def login(body: LoginIn, request: Request, response: Response, center: CenterDep) -> dict:
    ip = client_ip(request)
    throttle = request.app.state.throttle
    wait = throttle.retry_after(body.username, ip)
    if wait > 0:
        with center.db.sessions.begin() as s:
            audit.record(s, username=body.username, action="login_throttled", ip=ip)
        raise HTTPException(
            429,
            f"too many failed logins; try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    with center.db.sessions.begin() as s:
        user = authenticate(s, body.username, body.password)
        if user is None:
            audit.record(s, username=body.username, action="login_failed", ip=ip)
        else:
            token, csrf = open_session(
                s, user, center.settings.session_hours, center.settings.sessions_per_user
            )
            audit.record(s, username=user.username, action="login", ip=ip)
            who = {
                "username": user.username,
                "role": user.role,
                "agency": user.agency,
                "display_name": user.display_name,
            }
    if user is None:
        throttle.failed(body.username, ip)
        raise HTTPException(401, "wrong username or password")
    throttle.succeeded(body.username, ip)
    cache = request.app.state.principal_cache  # the account's oldest session may have been ended
    for key in [k for k, (p, _) in cache.items() if p.username == who["username"]]:
        cache.pop(key, None)
    secure = center.settings.secure_cookies
    max_age = int(center.settings.session_hours * 3600)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="strict", secure=secure, path="/"
    )
    return {"user": who, "csrf": csrf, "timezone": center.site.timezone}


@router.post("/auth/logout")
def logout(principal: PrincipalDep, request: Request, response: Response, center: CenterDep) -> dict:
    token = request.cookies.get(SESSION_COOKIE)
    with center.db.sessions.begin() as s:
        close_session(s, token)
        audit.record(s, username=principal.username, action="logout", ip=client_ip(request))
    request.app.state.principal_cache.pop(token or "", None)
    center.presence.gone(principal.username)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return {"ok": True}


@router.get("/auth/me")
def me(principal: PrincipalDep, center: CenterDep) -> dict:
    return {"user": principal.public(), "csrf": principal.csrf_token, "timezone": center.site.timezone}
