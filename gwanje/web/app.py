"""The FastAPI application: the center's services are started in the lifespan, not at import."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from gwanje.center.exchange.live_links import LiveLinks
from gwanje.center.follow.search import TrackSearch
from gwanje.center.runtime import running_center
from gwanje.config import SiteConfig
from gwanje.vision.detectors.base import node_modules
from gwanje.web.deps import Admin, StreamSlots
from gwanje.web.limits import BodyLimit, InputSanity, validation_failed
from gwanje.web.openapi import install as install_openapi
from gwanje.web.routes import (
    admin,
    alerts,
    api_keys,
    auth,
    cameras,
    cluster,
    duty,
    events,
    exchange,
    follow,
    incidents,
    ingest,
    ledger,
    live_links,
    provision_handover,
    provisions,
    recordings,
    search,
    shelves,
    stream,
    users,
    walls,
    weather,
)
from gwanje.web.security import SecurityHeaders, policy

STATIC = Path(__file__).parent / "static"


def create_app(site: SiteConfig, *, db_url: str | None = None, start_workers: bool = True) -> FastAPI:
    settings = site.server

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with running_center(site, db_url=db_url, start_workers=start_workers) as runtime:
            app.state.center = runtime.center
            app.state.triage = runtime.triage
            app.state.weather = runtime.weather
            app.state.incidents = runtime.incidents
            app.state.nodes = runtime.nodes
            app.state.live_links = LiveLinks(runtime.center.db)
            app.state.follow = runtime.follow
            runtime.follow.link_moved = app.state.live_links.follow_moved
            app.state.track_search = TrackSearch(runtime.center.db, runtime.follow.same_logit)
            app.state.principal_cache = {}
            app.state.streams = StreamSlots(settings.streams_per_session)
            # what start-up made lives as long as the server: keep the collector from re-walking it
            # on every full collection (those pauses showed as 100 ms stalls in bench/server.py)
            gc.collect()
            gc.freeze()
            yield

    # no public /docs or /openapi.json: the API's description is for administrators (below)
    app = FastAPI(
        title="Gwanje control center",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    routers = [
        module.router
        for module in (
            auth,
            alerts,
            events,
            cameras,
            stream,
            admin,
            users,
            walls,
            duty,
            shelves,
            recordings,
            provisions,
            provision_handover,
            ledger,
            weather,
            exchange,
            api_keys,
            ingest,
            incidents,
            live_links,
            cluster,
            follow,
            search,
        )
    ]
    routers.append(recordings.holds_router)
    for router in routers:
        app.include_router(router)
    install_openapi(app, routers)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/live/{link_id}", include_in_schema=False)
    def live_link_page(link_id: str) -> FileResponse:
        """The page a patrol officer's phone opens: the code, then the cameras."""
        return FileResponse(STATIC / "live.html", headers={"Cache-Control": "no-cache"})

    leaflet = node_modules() / "leaflet" / "dist"  # from the npm registry (package.json)
    if leaflet.is_dir():  # without it the map draws its own plain grid (js/pages/map.js)
        app.mount("/static/vendor/leaflet", StaticFiles(directory=leaflet), name="leaflet")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(404)
    async def not_found(request, exc) -> JSONResponse:  # noqa: ANN001
        detail = getattr(exc, "detail", None) or "not found"
        return JSONResponse(
            {"detail": detail if detail != "Not Found" else f"no such path: {request.url.path}"}, 404
        )

    app.add_exception_handler(RequestValidationError, validation_failed)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(principal: Admin) -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_middleware(InputSanity)

    def too_large(path: str) -> None:  # machines' oversized bodies are counted with their other refusals
        center = getattr(app.state, "center", None)
        if path.startswith("/api/ingest/") and center is not None:
            center.inbound.refuse_input(413, "request body too large", "too_large")

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, on_refused=too_large)
    hosts = list(settings.allowed_hosts)
    if settings.host not in ("0.0.0.0", "::", *hosts):
        hosts.append(settings.host)
    app.add_middleware(SecurityHeaders, allowed_hosts=hosts, csp=policy(settings.map.tile_url))
    return app
