"""Schemathesis hooks for tests/web/test_openapi_contract.py: every generated request is made as
the center's admin, with a session signed in through the real login (and its CSRF token).

A session the run itself ends (``POST /api/auth/logout`` is one of the operations) is answered
401, which makes schemathesis sign in again (``retry_on``) and repeat the request.
"""

from __future__ import annotations

import os

import httpx
import schemathesis


@schemathesis.auth(retry_on=[401])
class AdminSession:
    def get(self, case, ctx):  # noqa: ANN001, ANN201 - schemathesis' protocol
        base = os.environ["GWANJE_CONTRACT_BASE"]
        r = httpx.post(
            f"{base}/api/auth/login",
            json={"username": "admin", "password": os.environ["GWANJE_CONTRACT_PASSWORD"]},
            timeout=30,
        )
        r.raise_for_status()
        return {"session": r.cookies["gwanje_session"], "csrf": r.json()["csrf"]}

    def set(self, case, data, ctx):  # noqa: ANN001, ANN201
        case.cookies = {**(case.cookies or {}), "gwanje_session": data["session"]}
        case.headers = {**(case.headers or {}), "X-CSRF-Token": data["csrf"]}
