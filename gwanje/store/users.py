"""Accounts: argon2 password hashes, roles, agency liaisons."""

from __future__ import annotations

from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import UserRow

_hasher = PasswordHasher()
# verifying against this keeps an unknown user's login as slow as a known one's
_DUMMY = _hasher.hash("not a password of anyone")


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    AGENCY = "agency"  # police or fire liaison: sees only what is shared with its agency
    ADMIN = "admin"


AGENCIES = ("police", "fire", "ambulance", "district")


class UserError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    agency: str | None = None,
    display_name: str = "",
) -> UserRow:
    if (
        not username
        or len(username) > 64
        or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise UserError("username: 1-64 letters, digits, '-', '_' or '.'")
    if len(password) < 8:
        raise UserError("password: at least 8 characters")
    if role == Role.AGENCY and agency not in AGENCIES:
        raise UserError(f"an agency liaison needs --agency, one of: {', '.join(AGENCIES)}")
    if role != Role.AGENCY and agency is not None:
        raise UserError("only agency liaisons belong to an agency")
    if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    user = UserRow(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        agency=agency,
        display_name=display_name or username,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    try:
        if user is None or not user.active:
            _hasher.verify(_DUMMY, password)
            return None
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user
