"""Accounts, for admins: list, add, change role or name, disable and enable, reset a password,
lift a sign-in lock. Every change is audited; a disabled user or a new role ends the user's
sessions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field
from sqlalchemy import select

from gwanje.store import audit, throttle
from gwanje.store.models import UserRow
from gwanje.store.users import (
    Role,
    UserError,
    canonical_username,
    create_user,
    get_user,
    remove_user,
    set_password,
    update_user,
)
from gwanje.web.deps import Admin, Body, CenterDep, client_ip, login_policy
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/users", tags=["users"])


def _public(u: UserRow, failed_logins: int = 0, locked_s: float = 0.0) -> dict:
    return {
        "username": u.username,
        "role": u.role,
        "agency": u.agency,
        "display_name": u.display_name,
        "active": u.active,
        "failed_logins": failed_logins,  # in the current run (server.login_window_s)
        "locked_s": round(locked_s, 1),  # how long it must still wait to sign in
    }


class UserIn(Body):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=8, max_length=256)
    role: Role
    agency: str | None = None
    display_name: str = Field("", max_length=100)


class UserChange(Body):
    role: Role | None = None
    agency: str | None = None
    display_name: str | None = Field(None, max_length=100)
    active: bool | None = None


class PasswordIn(Body):
    password: str = Field(..., min_length=8, max_length=256)


@router.get("")
def users(principal: Admin, center: CenterDep) -> list[dict]:
    """The accounts, each with its failed sign-ins and how long it is still locked."""
    policy = login_policy(center)
    with center.db.sessions() as s:
        out = []
        for u in s.scalars(select(UserRow).order_by(UserRow.username)):
            out.append(_public(u, *throttle.standing(s, throttle.account_key(u.username), policy)))
        return out


@router.post("/{username}/unlock")
def unlock(username: str, principal: Admin, center: CenterDep, request: Request) -> dict:
    """Lift the account's sign-in lock: its failed sign-ins are forgotten (a spray from a shared
    address then no longer keeps it out from there); audited."""
    with center.db.sessions.begin() as s:
        try:
            user = get_user(s, username)
        except LookupError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        key = throttle.account_key(user.username)
        throttle.clear(s, key)
        throttle.clear(s, "refused:" + key)
        audit.record(
            s, username=principal.username, action="user_unlock", target=user.username, ip=client_ip(request)
        )
    return {"username": user.username, "unlocked": True}


@router.post("", status_code=201, responses=errors(409))
def add_user(body: UserIn, principal: Admin, center: CenterDep, request: Request) -> dict:
    with center.db.sessions.begin() as s:
        try:
            user = create_user(
                s,
                username=body.username,
                password=body.password,
                role=body.role,
                agency=body.agency,
                display_name=body.display_name,
            )
        except UserError as exc:
            raise HTTPException(409 if "exists" in str(exc) else 422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="user_add",
            target=user.username,
            detail={"role": user.role},
            ip=client_ip(request),
        )
        return _public(user)


@router.patch("/{username}", responses=errors(409))
def change_user(
    username: str, body: UserChange, principal: Admin, center: CenterDep, request: Request
) -> dict:
    if canonical_username(username) == principal.username and (
        body.active is False or body.role not in (None, Role.ADMIN)
    ):
        raise HTTPException(409, "you cannot disable your own account or take away your own admin role")
    with center.db.sessions.begin() as s:
        try:
            user, changed = update_user(
                s,
                username,
                role=body.role,
                agency=body.agency,
                display_name=body.display_name,
                active=body.active,
            )
        except LookupError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        if changed:
            action = {True: "user_enable", False: "user_disable"}.get(changed.get("active"), "user_change")  # type: ignore[arg-type]
            audit.record(
                s,
                username=principal.username,
                action=action,
                target=username,
                detail=changed,
                ip=client_ip(request),
            )
        out = _public(user)
    request.app.state.principal_cache.clear()  # a changed right takes effect at once
    return out


@router.post("/{username}/password")
def reset_password(
    username: str, body: PasswordIn, principal: Admin, center: CenterDep, request: Request
) -> dict:
    with center.db.sessions.begin() as s:
        try:
            set_password(s, username, body.password)
        except LookupError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(
            s,
            username=principal.username,
            action="user_password_reset",
            target=username,
            ip=client_ip(request),
        )
    request.app.state.principal_cache.clear()
    return {"username": username, "reset": True}


@router.delete("/{username}", responses=errors(409))
def remove(username: str, principal: Admin, center: CenterDep, request: Request) -> dict:
    """Remove an account: its sessions end; the audit keeps what it did, by name."""
    if canonical_username(username) == principal.username:
        raise HTTPException(409, "you cannot remove your own account")
    with center.db.sessions.begin() as s:
        try:
            user = remove_user(s, username)
        except LookupError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        audit.record(
            s,
            username=principal.username,
            action="user_remove",
            target=username,
            detail={"role": user.role},
            ip=client_ip(request),
        )
    request.app.state.principal_cache.clear()
    return {"username": username, "removed": True}
