"""The FastAPI application: store and workers are created in the lifespan, not at import."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from gwanje.bus import Bus
from gwanje.config import SiteConfig
from gwanje.store import audit
from gwanje.store import events as event_repo
from gwanje.store.db import database_url, open_database
from gwanje.web.auth import LoginThrottle
from gwanje.web.center import Center
from gwanje.web.routes import admin, auth, cameras, events, stream, walls
from gwanje.web.triage_service import TriageService
from gwanje.web.views import event_summary

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ESCALATION_CHECK_S = 2.0


class BodyLimit:
    """Refuses request bodies over the limit with 413, whether or not they declare a length."""

    def __init__(self, app, limit: int) -> None:  # noqa: ANN001 - ASGI app
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            return await self.app(scope, counted, send)
        except _TooLarge:
            return await self._refuse(send)

    async def _refuse(self, send) -> None:  # noqa: ANN001
        body = b'{"detail":"request body too large"}'
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


async def _escalate(center: Center) -> None:
    """Events left new past their type's time go to supervisors (once each)."""
    s_cfg = center.settings
    while True:
        await asyncio.sleep(ESCALATION_CHECK_S)
        try:
            rows = await asyncio.to_thread(
                _escalate_once, center, s_cfg.escalate_by_type, s_cfg.escalate_after_s
            )
        except Exception:
            log.exception("escalation check failed")
            continue
        for summary in rows:
            center.bus.publish({"kind": "escalation", "data": summary})
            center.bus.publish({"kind": "event_update", "data": summary})


async def _triage_loop(triage: TriageService) -> None:
    """Priorities and walls, recomputed every ``triage.interval_s``."""
    while True:
        await asyncio.sleep(triage.cfg.interval_s)
        try:
            await asyncio.to_thread(triage.tick)
        except Exception:
            log.exception("triage failed")


def _escalate_once(center: Center, by_type: dict[str, float], default_s: float) -> list[dict]:
    with center.db.sessions.begin() as s:
        rows = event_repo.escalate_due(s, after_s=by_type, default_s=default_s)
        for row in rows:
            audit.record(
                s, username="system", action="event_escalate", target=row.id, detail={"type": row.type}
            )
        return [event_summary(r) for r in rows]


def create_app(site: SiteConfig, *, db_url: str | None = None, start_workers: bool = True) -> FastAPI:
    settings = site.server

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = open_database(db_url or database_url(Path(settings.data_dir)))
        bus = Bus()
        bus.bind(asyncio.get_running_loop())
        center = Center(site, db, bus, start_workers=start_workers)
        await asyncio.to_thread(center.start)
        app.state.center = center
        app.state.throttle = LoginThrottle(settings.login_attempts, settings.login_window_s)
        app.state.principal_cache = {}
        escalation = asyncio.create_task(_escalate(center))
        app.state.triage = triage = TriageService(center)
        center.on_cameras_changed = triage.cameras_changed
        center.on_events_ingested = triage.events_ingested
        center.on_event_changed = triage.event_changed
        walls_task = asyncio.create_task(_triage_loop(triage))
        # what start-up made lives as long as the server: keep the collector from re-walking it
        # on every full collection (those pauses showed as 100 ms stalls in bench/server.py)
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            escalation.cancel()
            walls_task.cancel()
            await asyncio.to_thread(center.stop)
            db.close()

    app = FastAPI(title="Gwanje control center", version="0.1.0", lifespan=lifespan)
    for module in (auth, events, cameras, stream, admin, walls):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(404)
    async def not_found(request, exc) -> JSONResponse:  # noqa: ANN001
        detail = getattr(exc, "detail", None) or "not found"
        return JSONResponse(
            {"detail": detail if detail != "Not Found" else f"no such path: {request.url.path}"}, 404
        )

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
