"""How a webhook delivery is signed, and how a receiver checks it (docs/exchange.md).

``Gwanje-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``. The time is
inside what is signed, so a captured delivery replayed later than the receiver's window
(``TOLERANCE_S``) fails, and the body cannot be changed without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Gwanje-Signature"
TOLERANCE_S = 300


def sign(secret: bytes, body: bytes, at: float | None = None) -> str:
    t = int(time.time() if at is None else at)
    mac = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class BadSignature(ValueError):
    pass


def verify(
    secret: bytes, header: str | None, body: bytes, now: float | None = None, tolerance_s: float = TOLERANCE_S
) -> int:
    """The signing time when ``header`` is a valid signature of ``body`` within the window; else
    ``BadSignature`` saying why."""
    if not header:
        raise BadSignature(f"no {HEADER} header")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        raise BadSignature("the signature has no time") from None
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        raise BadSignature("the signature's time is outside the window")
    expected = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise BadSignature("the signature does not match")
    return t
