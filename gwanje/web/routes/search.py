"""Search in what the cameras tracked (docs/follow.md): by time, cameras or a map area, class,
colours and direction, or "more like this" from a track record or an uploaded crop of a person.
A search of personal video: purpose required, every search audited and in the ledger; operators,
supervisors and admins only (agency liaisons get footage through the provision workflow)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from gwanje.center.follow.search import Like, SearchError, TrackSearch
from gwanje.center.follow.search import Query as SearchQuery
from gwanje.store import track_records as repo
from gwanje.store.models import utc
from gwanje.web.auth import Principal
from gwanje.web.deps import Body, CenterDep, Moment, Staff, audit_now, client_ip
from gwanje.web.openapi import errors

router = APIRouter(prefix="/api/search", tags=["search"])
MAX_CROP_BYTES = 2_000_000


def _search(request: Request) -> TrackSearch:
    return request.app.state.track_search


def _words(value: str | None, what: str, most: int = 20) -> tuple[str, ...]:
    items = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    if len(items) > most:
        raise HTTPException(422, f"at most {most} {what}")
    return items


def _area(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        south, west, north, east = (float(v) for v in value.split(","))
    except ValueError:
        raise HTTPException(422, "area: south,west,north,east in degrees") from None
    if not (-90 <= south <= 90 and -90 <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise HTTPException(422, "area: latitudes within ±90 and longitudes within ±180")
    return south, west, north, east


class Filters:
    """The query string every search takes."""

    def __init__(
        self,
        start: Annotated[Moment, Query(description="From (ISO 8601 with offset)")],
        end: Annotated[Moment, Query(description="To")],
        purpose: Annotated[
            str, Query(min_length=1, max_length=300, description="Why: it is a search of personal video")
        ],
        cameras: Annotated[
            str | None, Query(max_length=2000, description="Camera ids, comma-separated")
        ] = None,
        area: Annotated[
            str | None, Query(max_length=100, description="A map area: south,west,north,east")
        ] = None,
        kind: Annotated[
            str | None,
            Query(alias="class", max_length=20, description="person (default), car, ...; empty: any"),
        ] = "person",
        upper: Annotated[str | None, Query(max_length=200, description="Upper-body colours, any of")] = None,
        lower: Annotated[str | None, Query(max_length=200, description="Lower-body colours, any of")] = None,
        direction: Annotated[
            str | None, Query(max_length=100, description="left, right, toward, away")
        ] = None,
        exit: Annotated[
            str | None, Query(max_length=100, description="The side it left by: left, right, top, bottom")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.query = SearchQuery(
            start=start,
            end=end,
            purpose=purpose,
            cameras=_words(cameras, "cameras", 500) or None,
            area=_area(area),
            class_name=kind or None,
            upper=_words(upper, "colours"),
            lower=_words(lower, "colours"),
            directions=_words(direction, "directions"),
            exit_edges=_check_edges(_words(exit, "sides")),
            limit=limit,
        )


def _check_edges(edges: tuple[str, ...]) -> tuple[str, ...]:
    bad = sorted(set(edges) - {"left", "right", "top", "bottom"})
    if bad:
        raise HTTPException(422, f"unknown side {', '.join(bad)}: use left, right, top, bottom")
    return edges


async def _run(request: Request, query: SearchQuery, principal: Principal) -> dict:
    search = _search(request)
    try:
        cameras = (
            await asyncio.to_thread(request.app.state.follow.topology)
        ).cameras  # (kept until a camera changes)
        return await asyncio.to_thread(search.search, query, cameras, principal.username, client_ip(request))
    except SearchError as exc:
        raise HTTPException(exc.status, exc.reason) from None


@router.get("/tracks", responses=errors(404))
async def tracks(
    request: Request,
    principal: Staff,
    center: CenterDep,
    f: Annotated[Filters, Depends()],
    like: Annotated[str | None, Query(max_length=120, description="More like this track record")] = None,
) -> dict:
    """Tracked people (or vehicles) that match, one per track, best match first (newest first
    without a colour or a look to match)."""
    query = f.query
    if like:

        def look() -> Like:
            with center.db.sessions() as s:
                row = repo.get(s, like)
                if row is None:
                    raise HTTPException(404, "no such track record (it may have gone with its recording)")
                if row.appearance is None:
                    raise HTTPException(422, "that track record has no appearance vector to match")
                return Like(repo.vector_of(row.appearance), row.appearance_model or "", f"record {row.id}")

        query = SearchQuery(**{**query.__dict__, "like": await asyncio.to_thread(look)})
    return await _run(request, query, principal)


@router.post(
    "/tracks/like-crop",
    responses=errors(404),
    openapi_extra={"requestBody": {"content": {"image/jpeg": {}, "image/png": {}}, "required": True}},
)
async def tracks_like_crop(
    request: Request, principal: Staff, center: CenterDep, f: Annotated[Filters, Depends()]
) -> dict:
    """ "More like this" from a picture of one person (JPEG or PNG as the body)."""
    body = await request.body()
    if len(body) > MAX_CROP_BYTES:
        raise HTTPException(413, "a crop of at most 2 MB")
    try:
        like = await asyncio.to_thread(_search(request).like_crop, body)
    except SearchError as exc:
        raise HTTPException(exc.status, exc.reason) from None
    return await _run(request, SearchQuery(**{**f.query.__dict__, "like": like}), principal)


class OpenIn(Body):
    record_id: str = Field(..., min_length=1, max_length=120)
    purpose: str = Field(..., min_length=1, max_length=300)
    before_s: float = Field(10.0, ge=0, le=600)
    after_s: float = Field(20.0, ge=0, le=600)


@router.post("/open", responses=errors(404))
async def open_result(body: OpenIn, principal: Staff, request: Request, center: CenterDep) -> dict:
    """Opening a result: audited here; the recording it opens (``/api/recordings/{camera}/clip``
    with this purpose) is the viewing the ledger records."""

    def find() -> dict:
        with center.db.sessions() as s:
            row = repo.get(s, body.record_id)
            if row is None:
                raise HTTPException(404, "no such track record (it may have gone with its recording)")
            start, end = utc(row.started_at), utc(row.ended_at)
            return {"camera_id": row.camera_id, "start": start, "end": end}

    found = await asyncio.to_thread(find)
    start = found["start"] - timedelta(seconds=body.before_s)
    end = max(found["end"], found["start"]) + timedelta(seconds=body.after_s)
    await asyncio.to_thread(
        audit_now,
        center,
        principal,
        "track_search_open",
        found["camera_id"],
        {"record": body.record_id, "purpose": body.purpose, "from": start.isoformat(), "to": end.isoformat()},
        client_ip(request),
    )
    return {
        "camera_id": found["camera_id"],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "at": found["start"].isoformat(),
        "purpose": f"검색 결과 확인: {body.purpose}",
    }
