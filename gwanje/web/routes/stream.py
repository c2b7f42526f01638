"""Server-sent events: alerts opened and changed, escalations, counts, walls, follows, camera changes. An
open stream is the console's presence: its user counts as on duty while it is open."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gwanje.bus import Message
from gwanje.web.auth import Principal
from gwanje.web.deps import RECHECK_S, CenterDep, PrincipalDep, still_allowed
from gwanje.web.openapi import EVENT_STREAM, errors

router = APIRouter(prefix="/api", tags=["stream"])
HEARTBEAT_S = 15.0


def _filter(principal: Principal):
    def accepts(message: Message) -> bool:
        kind = message["kind"]
        if principal.is_agency:  # liaisons get only alerts dispatched to their agency
            return (
                kind in {"alert", "alert_update"} and message["data"].get("dispatched_to") == principal.agency
            )
        if kind == "escalation":
            return principal.role in {"supervisor", "admin"}
        if kind in ("wall", "follow"):  # one's own wall and follows; supervisors watch all
            return message["data"].get("operator") == principal.username or principal.role in {
                "supervisor",
                "admin",
            }
        return True

    return accepts


@router.get("/stream", response_class=StreamingResponse, responses={**errors(429), **EVENT_STREAM})
async def stream(principal: PrincipalDep, center: CenterDep, request: Request) -> StreamingResponse:
    """Closes itself within ``RECHECK_S`` of its session ending (logout, expiry, idle, the account
    disabled or its role changed)."""
    slots = request.app.state.streams
    slots.take(principal)
    sub = center.bus.subscribe(_filter(principal))

    async def messages():
        center.presence.stream_opened(principal.username, principal.role)
        checked = quiet = time.monotonic()
        try:
            yield b"retry: 2000\n\n"
            yield b"event: hello\ndata: {}\n\n"
            while True:
                if time.monotonic() - checked >= RECHECK_S:
                    if not await still_allowed(center, request, principal):
                        yield b"event: signed_out\ndata: {}\n\n"
                        break
                    checked = time.monotonic()
                try:
                    msg = await asyncio.wait_for(sub.queue.get(), RECHECK_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        break
                    if time.monotonic() - quiet >= HEARTBEAT_S:
                        quiet = time.monotonic()
                        yield b": keep-alive\n\n"
                    continue
                if sub.missed:
                    yield f"event: missed\ndata: {sub.missed}\n\n".encode()
                    sub.missed = 0
                wire = msg.get("_wire")  # encoded once, shared by every subscriber (one event loop)
                if wire is None:
                    body = json.dumps(msg["data"], ensure_ascii=False, separators=(",", ":"))
                    wire = msg["_wire"] = f"event: {msg['kind']}\ndata: {body}\n\n".encode()
                yield wire
        finally:
            center.bus.unsubscribe(sub)
            center.presence.stream_closed(principal.username)
            slots.give(principal)

    return StreamingResponse(
        messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
