"""Login, logout, who am I; and the unauthenticated health check."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import Field
from sqlalchemy import text

from gwanje.center.core import Center
from gwanje.store import audit, throttle
from gwanje.store.users import UserError, authenticate, change_own_password, user_exists
from gwanje.web.auth import CSRF_COOKIE, SESSION_COOKIE, close_session, open_session
from gwanje.web.deps import Body, CenterDep, PrincipalDep, client_ip, forget_principals, login_policy
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api", tags=["auth"])


class LoginIn(Body):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256)


@router.get("/health")
def health(center: CenterDep) -> dict:
    with center.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": center.db.engine.dialect.name}


def _worth_a_row(*counts: int) -> bool:
    """Failed and refused logins are audited at the 1st, 2nd, 4th, 8th ... of a run (each row
    says how many so far), not one row each: unauthenticated tries cannot flood the audit."""
    return any(n > 0 and n & (n - 1) == 0 for n in counts)


def _refuse(center: Center, username: str, ip: str, wait: float) -> HTTPException:
    with center.db.sessions.begin() as s:
        known = user_exists(s, username)
        policy = login_policy(center)
        n = throttle.fail(s, "refused:" + throttle.account_key(username), 1 << 30, policy)
        m = throttle.fail(s, "refused:" + throttle.address_key(ip), 1 << 30, policy)
        if _worth_a_row(m, n if known else 0):
            audit.record(s, username=username, action="login_throttled", ip=ip, detail={"refused": max(n, m)})
    return HTTPException(
        429,
        f"too many failed logins; try again in {int(wait) + 1} s",
        headers={"Retry-After": str(int(wait) + 1)},
    )


@router.post("/auth/login", responses=errors(401, 429))
def login(body: LoginIn, request: Request, response: Response, center: CenterDep) -> dict:
    """Failed logins make the account wait (after ``login_attempts``, doubling each time) and
    the address wait (after four times that over all accounts). A waiting address is still let
    in with the right password of an account nobody has been failing on: one attacker behind a
    shared address cannot lock everyone out."""
    ip = client_ip(request)
    policy = login_policy(center)
    account, address = throttle.account_key(body.username), throttle.address_key(ip)
    with center.db.sessions.begin() as s:
        account_failures, account_wait = throttle.standing(s, account, policy)
        address_wait = throttle.wait_s(s, address, policy)
        attacked = account_failures > 0
    if account_wait > 0 or (address_wait > 0 and attacked):
        raise _refuse(center, body.username, ip, max(account_wait, address_wait))
    with center.db.sessions.begin() as s:
        user = authenticate(s, body.username, body.password)
        if user is None:
            n = throttle.fail(s, account, policy.attempts, policy)
            m = throttle.fail(s, address, policy.address_attempts, policy)
            known = user_exists(s, body.username)
            if _worth_a_row(m, n if known else 0):
                audit.record(s, username=body.username, action="login_failed", ip=ip, detail={"failures": n})
        else:
            throttle.clear(s, account)
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
        if address_wait > 0:
            raise _refuse(center, body.username, ip, address_wait)
        raise HTTPException(401, "wrong username or password")
    forget_principals(request, who["username"])  # the account's oldest session may have been ended
    secure = center.settings.secure_cookies or center.settings.certfile is not None
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


class PasswordChange(Body):
    current: str = Field(..., min_length=1, max_length=256)
    new: str = Field(..., min_length=1, max_length=256)


@router.post("/auth/password", responses=errors(403))
def change_password(
    body: PasswordChange, principal: PrincipalDep, center: CenterDep, request: Request
) -> dict:
    """A user changes their own password; their other sessions end (this one stays)."""
    with center.db.sessions.begin() as s:
        try:
            change_own_password(s, principal.username, body.current, body.new, principal.token_hash)
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(s, username=principal.username, action="password_change", ip=client_ip(request))
    forget_principals(request, principal.username)
    return {"changed": True}


@router.get("/auth/me")
def me(principal: PrincipalDep, center: CenterDep) -> dict:
    return {"user": principal.public(), "csrf": principal.csrf_token, "timezone": center.site.timezone}
