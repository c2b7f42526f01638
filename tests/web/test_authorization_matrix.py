"""Who may call what, written once: every operation of the API (from its own OpenAPI description)
against no session and each role. A route added without a line here fails this test, so every
new route's rights are decided on purpose. Allowed means the route looked at the request (any
answer but 401 and 403; with placeholder ids that is mostly 404 or 422); what a liaison may see
*inside* an allowed route (only their agency's) is tested with the routes themselves."""

from __future__ import annotations

import re

import pytest

ROLES = {"o": "kim", "s": "park", "g": "police", "a": "admin"}
EVERYONE, STAFF, SUPERVISORS, ADMIN = "osga", "osa", "sa", "a"
OPEN = "-"  # no session needed
MACHINES = ""  # an API key (tests/web/test_inbound_alarms.py), never a session

MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/api/health"): OPEN,
    ("POST", "/api/auth/login"): OPEN,
    ("POST", "/api/auth/logout"): EVERYONE,
    ("GET", "/api/auth/me"): EVERYONE,
    ("POST", "/api/auth/password"): EVERYONE,
    ("GET", "/api/alerts"): EVERYONE,
    ("GET", "/api/alerts/counts"): EVERYONE,
    ("GET", "/api/weather"): EVERYONE,
    ("GET", "/api/alerts/{alert_id}"): EVERYONE,
    ("GET", "/api/alerts/{alert_id}/snapshot"): EVERYONE,
    ("POST", "/api/alerts/{alert_id}/sop/{position}"): STAFF,
    ("POST", "/api/alerts/{alert_id}/acknowledge"): STAFF,
    ("POST", "/api/alerts/{alert_id}/dispatch"): STAFF,
    ("POST", "/api/alerts/{alert_id}/resolve"): STAFF,
    ("POST", "/api/alerts/{alert_id}/false_alarm"): STAFF,
    ("GET", "/api/events"): EVERYONE,
    ("POST", "/api/events"): SUPERVISORS,
    ("GET", "/api/events/{event_id}"): EVERYONE,
    ("GET", "/api/events/{event_id}/snapshot"): EVERYONE,
    ("GET", "/api/cameras"): EVERYONE,
    ("GET", "/api/cameras/{camera_id}"): EVERYONE,
    ("PUT", "/api/cameras/{camera_id}"): ADMIN,
    ("DELETE", "/api/cameras/{camera_id}"): ADMIN,
    ("GET", "/api/cameras/{camera_id}/live.mjpg"): EVERYONE,
    ("GET", "/api/stream"): EVERYONE,
    ("GET", "/api/stats"): EVERYONE,
    ("GET", "/api/stats/noisy"): STAFF,
    ("GET", "/api/map"): STAFF,
    ("GET", "/api/map/plan"): STAFF,
    ("GET", "/api/false-alarms"): STAFF,
    ("GET", "/api/audit"): SUPERVISORS,
    ("GET", "/api/audit/head"): SUPERVISORS,
    ("GET", "/api/system"): ADMIN,
    ("GET", "/api/duty"): STAFF,
    ("POST", "/api/duty/heartbeat"): STAFF,
    ("POST", "/api/duty/start"): STAFF,
    ("POST", "/api/duty/end"): STAFF,
    ("GET", "/api/walls/me"): STAFF,
    ("GET", "/api/walls"): SUPERVISORS,
    ("POST", "/api/walls/me/pin"): STAFF,
    ("POST", "/api/walls/me/dismiss"): STAFF,
    ("POST", "/api/incidents"): EVERYONE,  # or an API key (tests/web/test_incidents.py)
    ("GET", "/api/incidents"): STAFF,
    ("POST", "/api/live-links"): SUPERVISORS,
    ("GET", "/api/live-links"): "sga",  # an agency account: its own
    ("DELETE", "/api/live-links/{link_id}"): SUPERVISORS,
    ("POST", "/api/live-links/{link_id}/open"): EVERYONE,  # then: only the link's own account
    ("POST", "/api/live-links/{link_id}/redeem"): OPEN,  # the one-time code is the right
    ("GET", "/api/live-links/{link_id}/view"): EVERYONE,  # or the code's viewer cookie
    ("GET", "/api/live-links/{link_id}/cameras/{camera_id}/live.mjpg"): EVERYONE,  # likewise
    ("POST", "/api/incidents/{incident_id}/location"): EVERYONE,  # a machine only on its own
    ("POST", "/api/incidents/{incident_id}/handle"): EVERYONE,
    ("POST", "/api/incidents/{incident_id}/close"): EVERYONE,
    ("GET", "/api/shelves"): SUPERVISORS,
    ("POST", "/api/shelves"): STAFF,
    ("DELETE", "/api/shelves/{shelf_id}"): STAFF,
    ("GET", "/api/exchange/webhooks"): SUPERVISORS,
    ("GET", "/api/exchange/deliveries"): SUPERVISORS,
    ("POST", "/api/exchange/deliveries/replay"): SUPERVISORS,
    ("POST", "/api/exchange/deliveries/discard"): SUPERVISORS,
    ("GET", "/api/exchange/keys"): ADMIN,
    ("GET", "/api/exchange/status"): MACHINES,
    ("GET", "/api/cluster/nodes"): ADMIN,
    ("POST", "/api/cluster/nodes/{name}/drain"): ADMIN,
    ("PUT", "/api/cluster/cameras/{camera_id}/pin"): ADMIN,
    ("POST", "/api/exchange/keys"): ADMIN,
    ("DELETE", "/api/exchange/keys/{key_id}"): ADMIN,
    ("POST", "/api/ingest/alarms"): MACHINES,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PATCH", "/api/users/{username}"): ADMIN,
    ("DELETE", "/api/users/{username}"): ADMIN,
    ("POST", "/api/users/{username}/password"): ADMIN,
    ("POST", "/api/users/{username}/unlock"): ADMIN,
    ("GET", "/api/recordings/storage"): STAFF,
    ("GET", "/api/recordings/{camera_id}/timeline"): STAFF,
    ("GET", "/api/recordings/{camera_id}/clip"): STAFF,
    ("GET", "/api/recordings/clips/{name}"): STAFF,
    ("GET", "/api/holds"): SUPERVISORS,
    ("POST", "/api/holds"): SUPERVISORS,
    ("POST", "/api/holds/{hold_id}/release"): SUPERVISORS,
    ("GET", "/api/provisions"): EVERYONE,
    ("POST", "/api/provisions"): EVERYONE,
    ("GET", "/api/provisions/bases"): EVERYONE,
    ("GET", "/api/provisions/key/public"): STAFF,
    ("GET", "/api/provisions/{provision_id}"): EVERYONE,
    ("GET", "/api/provisions/{provision_id}/picks"): SUPERVISORS,
    ("GET", "/api/provisions/{provision_id}/picks/{camera_id}/{index}.jpg"): SUPERVISORS,
    ("POST", "/api/provisions/{provision_id}/subjects"): SUPERVISORS,
    ("GET", "/api/provisions/{provision_id}/preview"): SUPERVISORS,
    ("GET", "/api/provisions/{provision_id}/preview/{camera_id}.mp4"): SUPERVISORS,
    ("POST", "/api/provisions/{provision_id}/approve"): SUPERVISORS,
    ("POST", "/api/provisions/{provision_id}/reject"): SUPERVISORS,
    ("POST", "/api/provisions/{provision_id}/link"): EVERYONE,  # then: only the requesting agency
    ("GET", "/api/provisions/{provision_id}/package"): EVERYONE,  # then: only the requesting agency
    ("POST", "/api/provisions/{provision_id}/outcome"): EVERYONE,  # then: that agency or supervisors
    ("GET", "/api/ledger"): SUPERVISORS,
    ("GET", "/api/ledger/export.{form}"): SUPERVISORS,
    ("GET", "/api/ledger/stats"): SUPERVISORS,
    ("POST", "/api/ledger/{row_id}/correct"): SUPERVISORS,
    ("GET", "/api/openapi.json"): ADMIN,
    # the follow mode and the search: staff; sharing a follow: supervisors; liaisons neither
    ("GET", "/api/cameras/{camera_id}/tracks"): STAFF,
    ("GET", "/api/tracks/{record_id}"): STAFF,
    ("GET", "/api/tracks/{record_id}/crop.jpg"): STAFF,
    ("GET", "/api/topology"): STAFF,
    ("POST", "/api/follow"): STAFF,
    ("GET", "/api/follow"): STAFF,
    ("GET", "/api/follow/{chain_id}"): STAFF,
    ("POST", "/api/follow/{chain_id}/confirm"): STAFF,
    ("POST", "/api/follow/{chain_id}/not-seen"): STAFF,
    ("POST", "/api/follow/{chain_id}/end"): STAFF,
    ("GET", "/api/follow/{chain_id}/steps/{seq}/crop.jpg"): STAFF,
    ("POST", "/api/follow/{chain_id}/share"): SUPERVISORS,
    ("GET", "/api/search/tracks"): STAFF,
    ("POST", "/api/search/tracks/like-crop"): STAFF,
    ("POST", "/api/search/open"): STAFF,
}
ENDLESS = {("GET", "/api/stream")}  # an open stream: only its refusals are asked for here


def _operations(app) -> set[tuple[str, str]]:
    ops = {(m.upper(), p) for p, methods in app.openapi()["paths"].items() for m in methods}
    return ops | {("GET", "/api/openapi.json")}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_operation_has_a_line(center) -> None:
    ops = _operations(center.app)
    missing, stale = sorted(ops - set(MATRIX)), sorted(set(MATRIX) - ops)
    assert not missing, f"operations without a line in MATRIX (decide who may call them): {missing}"
    assert not stale, f"lines in MATRIX for operations that are gone: {stale}"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # rights do not depend on the database
@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_the_matrix_holds(center, who: str) -> None:
    client = center.client(None if who == "anonymous" else ROLES[who])
    wrong = []
    last = ("POST", "/api/auth/logout")  # it ends the session the others are asked with
    for (method, path), allowed in sorted(MATRIX.items(), key=lambda kv: (kv[0] == last, kv[0])):
        may = allowed == OPEN or (who != "anonymous" and who in allowed)
        if may and (method, path) in ENDLESS:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        got = client.request(method, url, json={}).status_code
        denied = got in (401, 403)
        if may == denied:
            wrong.append(f"{method} {path}: {got} ({'should be allowed' if may else 'should be refused'})")
        if not may and who == "anonymous" and got != 401:
            wrong.append(f"{method} {path}: {got} without a session (401 expected)")
    assert not wrong, "\n".join(wrong)
