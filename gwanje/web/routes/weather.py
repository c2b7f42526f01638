"""The weather panel: KMA's current weather for the site's places and the cameras it raises."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gwanje.web.deps import PrincipalDep

router = APIRouter(prefix="/api", tags=["weather"])


@router.get("/weather")
def weather(principal: PrincipalDep, request: Request) -> dict:
    """Stations with the KMA widget's word, temperature, humidity, wind and 1-hour rainfall; the
    panel's state (live, recorded sample, no key, key refused, unreachable since); the cameras
    weather raises in triage and why ("기상청 제공")."""
    return request.app.state.weather.panel()
