"""Accounts by CLI and API: list, disable, enable, change a password (the user's own and an
admin's reset), remove (the audit keeps the history), the password rule; all audited."""

from __future__ import annotations

from typer.testing import CliRunner
from web.conftest import PASSWORD

from gwanje.cli.main import app
from gwanje.store.users import UserError, check_password


def test_the_password_rule() -> None:
    for weak in ("short1!", "alllowercase", "12345678901", "Abcdefg1"[:7]):
        try:
            check_password(weak)
        except UserError:
            continue
        raise AssertionError(f"{weak!r} accepted")
    for good in ("correct horse battery", "Abcdef12", "gwanje-operator"):
        check_password(good)


def test_a_user_changes_their_own_password_and_other_sessions_end(center) -> None:
    kim, other_tab = center.client("kim"), center.client("kim")
    r = kim.post("/api/auth/password", json={"current": "wrong", "new": "brand new secret"})
    assert r.status_code == 422 and "current password" in r.json()["detail"]
    assert kim.post("/api/auth/password", json={"current": PASSWORD, "new": "short"}).status_code == 422
    r = kim.post("/api/auth/password", json={"current": PASSWORD, "new": "brand new secret"})
    assert r.status_code == 200
    assert kim.get("/api/auth/me").status_code == 200  # this session stays
    assert other_tab.get("/api/auth/me").status_code == 401  # the others end
    fresh = center.client()
    assert (
        fresh.post("/api/auth/login", json={"username": "kim", "password": "brand new secret"}).status_code
        == 200
    )
    actions = [a["action"] for a in center.client("park").get("/api/audit").json() if a["username"] == "kim"]
    assert "password_change" in actions


def test_admins_remove_accounts_and_the_audit_keeps_their_history(center) -> None:
    admin, kim = center.client("admin"), center.client("kim")
    assert admin.delete("/api/users/admin").status_code == 409
    assert kim.delete("/api/users/park").status_code == 403
    r = admin.delete("/api/users/kim")
    assert r.status_code == 200 and r.json()["removed"]
    assert kim.get("/api/auth/me").status_code == 401
    assert admin.delete("/api/users/kim").status_code == 404
    audit = admin.get("/api/audit", params={"limit": 500}).json()
    assert any(a["username"] == "kim" and a["action"] == "login" for a in audit)  # history kept
    assert any(a["action"] == "user_remove" and a["target"] == "kim" for a in audit)


def test_the_cli_manages_accounts(tmp_path) -> None:
    folder = ["--data-dir", str(tmp_path)]
    run = CliRunner().invoke
    env = {"GWANJE_PASSWORD": PASSWORD}
    assert run(app, ["user", "add", "choi", "--role", "operator", *folder], env=env).exit_code == 0
    listed = run(app, ["user", "list", *folder])
    assert listed.exit_code == 0 and "choi" in listed.output and "operator" in listed.output
    assert run(app, ["user", "disable", "choi", *folder]).exit_code == 0
    assert "no" in run(app, ["user", "list", *folder]).output
    assert run(app, ["user", "enable", "choi", *folder]).exit_code == 0
    bad = run(app, ["user", "passwd", "choi", "--password", "weak", *folder])
    assert bad.exit_code == 2 and "password" in bad.output
    assert run(app, ["user", "passwd", "choi", "--password", "another fine one", *folder]).exit_code == 0
    assert run(app, ["user", "remove", "choi", *folder]).exit_code == 0
    gone = run(app, ["user", "disable", "choi", *folder])
    assert gone.exit_code == 2 and "no user" in gone.output
    assert "choi" not in run(app, ["user", "list", *folder]).output
    check = run(app, ["audit", "verify", *folder])
    assert check.exit_code == 0 and "OK" in check.output
    # which center is to be said: no default folder made and called OK
    import os

    here = os.getcwd()
    os.chdir(tmp_path / "..")
    try:
        unsaid = run(app, ["audit", "verify"], env={"GWANJE_DATABASE_URL": ""})
        nowhere = run(
            app, ["audit", "verify", "--data-dir", str(tmp_path / "empty")], env={"GWANJE_DATABASE_URL": ""}
        )
    finally:
        os.chdir(here)
    assert unsaid.exit_code == 2 and "which center" in unsaid.output
    assert nowhere.exit_code == 2 and "no center's store" in nowhere.output
    assert not (tmp_path / "empty").exists() and not (tmp_path / ".." / "gwanje-data").exists()


def test_user_names_are_folded_and_look_alikes_refused(center) -> None:
    """ADMİN (dotted capital I) was accepted beside admin: names are NFKC and case-folded, and
    only a-z, 0-9, Hangul and - _ . are letters of a name."""
    admin = center.client("admin")
    body = {"password": "correct horse battery", "role": "operator"}
    for name, status in (
        ("ADMİN", 422),  # folds to i + a combining dot
        ("аdmin", 422),  # a Cyrillic а
        ("ADMIN", 409),  # admin already
        ("ａｄｍｉｎ", 409),  # fullwidth: admin
        ("Kim ", 409),
        ("관제요원1", 201),
        ("Lee.J", 201),
    ):
        r = admin.post("/api/users", json={**body, "username": name})
        assert r.status_code == status, (name, r.text)
    names = [u["username"] for u in admin.get("/api/users").json()]
    assert "lee.j" in names and "관제요원1" in names
    # the name signs in however it is typed; one's own account cannot be removed under another case
    assert (
        center.client()
        .post("/api/auth/login", json={"username": "LEE.J", "password": body["password"]})
        .status_code
        == 200
    )
    assert admin.delete("/api/users/ADMIN").status_code == 409
