"""A camera's live view as multipart JPEG (MJPEG), for as long as a check allows: the frames the
camera's worker already encoded, each sent once, at most at the live rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

from gwanje.center.core import Center
from gwanje.web.deps import RECHECK_S

BOUNDARY = "gwanjeframe"


async def frames(
    center: Center,
    camera_id: str,
    request: Request,
    allowed: Callable[[], Awaitable[bool]],
    until: float | None = None,
) -> AsyncIterator[bytes]:
    """Parts until the viewer goes, ``until`` (epoch seconds) passes, or ``allowed()`` (asked
    every ``RECHECK_S``) says no."""
    period = 1.0 / center.settings.live_fps
    seen, checked = -1, time.monotonic()
    while not await request.is_disconnected():
        if until is not None and time.time() >= until:
            return
        if time.monotonic() - checked >= RECHECK_S:
            if not await allowed():
                return
            checked = time.monotonic()
        view = center.live.get(camera_id)
        if view is not None and view.seq != seen and view.jpeg:
            seen = view.seq
            head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(view.jpeg)}\r\n\r\n"
            yield head.encode() + view.jpeg + b"\r\n"
        await asyncio.sleep(period / 2)


def response(parts: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        parts,
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers={"Cache-Control": "no-store"},
    )
