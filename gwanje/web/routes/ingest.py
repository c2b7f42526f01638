"""Alarms in from other systems' machines, by API key (docs/exchange.md): each becomes events on
the named cameras, entering alerts and triage like the center's own."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, HTTPException, Request
from pydantic import ValidationError

from gwanje.center.exchange.inbound import AlarmIn, InboundError
from gwanje.web.deps import CenterDep, client_ip
from gwanje.web.machine_auth import AlarmKey, http_error
from gwanje.web.openapi import InvalidInput, errors

router = APIRouter(prefix="/api/ingest", tags=["ingest"])
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": AlarmIn.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    }
}


async def read_json(request: Request, center, model):  # noqa: ANN001, ANN201 - center, a pydantic model
    """The body as ``model``, or a counted 400/422."""
    body = await request.body()
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise http_error(center.inbound.refuse_input(400, "the body is not JSON", "malformed")) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        center.inbound.refuse_input(422, "invalid", "invalid")
        raise HTTPException(
            422, exc.errors(include_url=False, include_context=False, include_input=False)
        ) from None


@router.post(
    "/alarms",
    status_code=201,
    openapi_extra=BODY,
    responses={**errors(401, 404, 413, 429), 403: errors(403)[403], 422: {"model": InvalidInput}},
)
async def alarm_in(request: Request, key: AlarmKey, center: CenterDep) -> dict:
    """An alarm from another system: ``emergency_bell`` (critical; its cameras to a wall at once),
    ``external_alarm`` (another vendor's analytics, an IoT sensor) or one of Gwanje's own types.
    The same (source, reference) again is stored once (``duplicate: true``)."""
    alarm = await read_json(request, center, AlarmIn)
    try:
        return await asyncio.to_thread(center.inbound.alarm, key, alarm, client_ip(request))
    except InboundError as exc:
        raise http_error(exc) from None
