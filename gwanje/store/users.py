"""Accounts: argon2 password hashes, roles, agency liaisons."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gwanje.store.models import SessionRow, UserRow

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


# after NFKC and case folding: small Latin letters, digits, Hangul syllables and - _ . only, so
# no two accounts look alike (ADMİN's dotted I folds to i + a combining dot: refused; a Cyrillic
# а beside Latin letters: refused; fullwidth ＡＤＭＩＮ is admin)
_USERNAME = re.compile(r"[a-z0-9\-_.\uac00-\ud7a3]{1,64}")
USERNAME_RULE = "username: 1-64 of a-z, 0-9, 한글, '-', '_' or '.' (capitals are the same as small letters)"


def canonical_username(username: str) -> str:
    """The account name as stored and compared: NFKC, case-folded, without surrounding spaces."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


def _named(session: Session, username: str) -> UserRow | None:
    """The account of a name as typed (its canonical form; an account made before names were
    folded is found by its name exactly as stored)."""
    canonical = canonical_username(username)
    user = session.scalar(select(UserRow).where(UserRow.username == canonical))
    if user is None and username != canonical:
        user = session.scalar(select(UserRow).where(UserRow.username == username))
    return user


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
    username = canonical_username(username)
    if not _USERNAME.fullmatch(username):
        raise UserError(USERNAME_RULE)
    _check_password(password)
    _check_agency(role, agency)
    if _named(session, username) is not None:
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
    user = _named(session, username)
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


def check_password(password: str, username: str | None = None) -> None:
    """KISA's rule for passwords: at least 10 characters of two kinds (lower case, upper case,
    digits, others), or 8 of three; and not just the account's name."""
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if not ((len(password) >= 10 and kinds >= 2) or (len(password) >= 8 and kinds >= 3)):
        raise UserError(
            "password: at least 10 characters of two kinds (letters, digits, symbols ...) or 8 of three"
        )
    if username and password.lower().strip() == username.lower():
        raise UserError("password: not the user name")


_check_password = check_password


def _check_agency(role: Role, agency: str | None) -> None:
    if role == Role.AGENCY and agency not in AGENCIES:
        raise UserError(f"an agency liaison needs --agency, one of: {', '.join(AGENCIES)}")
    if role != Role.AGENCY and agency is not None:
        raise UserError("only agency liaisons belong to an agency")


def user_exists(session: Session, username: str) -> bool:
    return _named(session, username) is not None


def get_user(session: Session, username: str) -> UserRow:
    user = _named(session, username)
    if user is None:
        raise LookupError(f"no user {username!r}")
    return user


def update_user(
    session: Session,
    username: str,
    *,
    role: Role | None = None,
    agency: str | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> tuple[UserRow, dict[str, object]]:
    """Change a user's role (with its agency), name or whether they may sign in; returns the
    user and what changed. A role change or a disabled account ends the user's sessions."""
    user = get_user(session, username)
    new_role = role or Role(user.role)
    new_agency = agency if role is not None or agency is not None else user.agency
    if new_role != Role.AGENCY and role is not None and agency is None:
        new_agency = None
    _check_agency(new_role, new_agency)
    changed: dict[str, object] = {}
    for field, value in (
        ("role", new_role.value),
        ("agency", new_agency),
        ("display_name", display_name if display_name is not None else user.display_name),
        ("active", active if active is not None else user.active),
    ):
        if getattr(user, field) != value:
            changed[field] = value
            setattr(user, field, value)
    if "role" in changed or changed.get("active") is False:
        end_sessions(session, user)
    return user, changed


def set_password(session: Session, username: str, password: str) -> UserRow:
    """A new password (an admin's reset); the user's sessions end."""
    _check_password(password, username)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    return user


def change_own_password(
    session: Session, username: str, current: str, new: str, keep_session: str | None = None
) -> UserRow:
    """The user's own change (the current password first); their other sessions end."""
    user = authenticate(session, username, current)
    if user is None:
        raise UserError("the current password is wrong")
    _check_password(new, username)
    if new == current:
        raise UserError("the new password is the old one")
    user.password_hash = hash_password(new)
    query = delete(SessionRow).where(SessionRow.user_id == user.id)
    if keep_session:
        query = query.where(SessionRow.token_hash != keep_session)
    session.execute(query)
    return user


def remove_user(session: Session, username: str) -> UserRow:
    """Remove an account (its sessions go with it; the audit keeps what it did, by name)."""
    user = get_user(session, username)
    end_sessions(session, user)
    session.delete(user)
    return user


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def end_sessions(session: Session, user: UserRow) -> None:
    session.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
