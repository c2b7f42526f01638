"""What a follow looks like from outside: its summary, its view for the console (steps with where
and when, the next cameras, the candidates while searching) and the cameras it wants on its
operator's wall. Read-only: the follow's moves are in ``chains``."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from gwanje.center.follow.candidates import Candidate, Person, rank, window
from gwanje.center.follow.topology import Topology, side_towards
from gwanje.config import FollowConfig
from gwanje.store import track_records as repo
from gwanje.store.models import iso, utc
from gwanje.store.models_follow import FollowChainRow, TrackRecordRow
from gwanje.store.track_records import vector_of


def person_of(chain: FollowChainRow) -> Person:
    hist = chain.colour_hist
    return Person(
        vector_of(chain.appearance),
        chain.appearance_model,
        np.frombuffer(hist, np.uint8).astype(np.float32) / 255.0 if hist else None,
        utc(chain.last_seen_at),
        chain.camera_id,
    )


def candidates(
    s,
    chain: FollowChainRow,
    topo: Topology,
    cfg: FollowConfig,
    same_logit: tuple[float, float] | None,  # noqa: ANN001
) -> list[Candidate]:
    """While searching: the people who came into view on the next cameras in their windows, best
    first (at most ``cfg.candidates``)."""
    if chain.state != "searching":
        return []
    links = [
        (lk, w)
        for lk, w in topo.next_cameras(chain.camera_id, chain.exit_edge)
        if lk.target not in (chain.not_seen or [])
    ]
    if not links:
        return []
    person = person_of(chain)
    rows = repo.entries_between(
        s,
        [lk.target for lk, _ in links],
        person.left_at + timedelta(seconds=min(window(lk, cfg)[0] for lk, _ in links)),
        person.left_at + timedelta(seconds=max(window(lk, cfg)[1] for lk, _ in links)),
        "person",
    )
    tracks: dict[str, list[TrackRecordRow]] = {}
    for r in rows:
        tracks.setdefault(f"{r.camera_id}|{iso(r.track_started_at)}|{r.track_id}", []).append(r)
    source = topo.cameras.get(chain.camera_id)
    sides = {
        lk.target: side_towards(topo.cameras[lk.target], source)
        if source and lk.target in topo.cameras
        else None
        for lk, _ in links
    }
    return rank(person, links, tracks, sides, same_logit, cfg)[: cfg.candidates]


def summary(chain: FollowChainRow) -> dict:
    return {
        "id": chain.id,
        "operator": chain.operator,
        "purpose": chain.purpose,
        "alert_id": chain.alert_id,
        "state": chain.state,
        "camera_id": chain.camera_id,
        "track_id": chain.track_id,
        "track_started_at": iso(chain.track_started_at),
        "last_seen_at": iso(chain.last_seen_at),
        "exit_edge": chain.exit_edge,
        "live_link_id": chain.live_link_id,
        "started_at": iso(chain.started_at),
        "ended_at": iso(chain.ended_at),
        "ended_by": chain.ended_by,
        "steps": len(chain.steps),
    }


def view(
    s,
    chain: FollowChainRow,
    topo: Topology,
    cfg: FollowConfig,
    same_logit: tuple[float, float] | None,  # noqa: ANN001
) -> dict:
    cams = topo.cameras
    out = summary(chain)
    out["steps"] = [
        {
            "seq": st.seq,
            "kind": st.kind,
            "camera_id": st.camera_id,
            "track_id": st.track_id,
            "record_id": st.record_id,
            "seen_at": iso(st.seen_at),
            "score": st.score,
            "rank": st.rank,
            "by": st.by,
            "at": iso(st.at),
            "crop": f"/api/follow/{chain.id}/steps/{st.seq}/crop.jpg" if st.crop_path else None,
            "lat": cams[st.camera_id].location.lat if st.camera_id in cams else None,
            "lon": cams[st.camera_id].location.lon if st.camera_id in cams else None,
        }
        for st in chain.steps
    ]
    out["not_seen"] = list(chain.not_seen or [])
    out["next"] = []
    if chain.state == "searching":
        for lk, weight in topo.next_cameras(chain.camera_id, chain.exit_edge):
            lo, hi = window(lk, cfg)
            out["next"].append(
                {**lk.json(), "weight": round(weight, 2), "from_s": round(lo, 1), "to_s": round(hi, 1)}
            )
    out["candidates"] = [c.json() for c in candidates(s, chain, topo, cfg, same_logit)]
    return out


def wall_cameras(chains: list[FollowChainRow], topo: Topology, cfg: FollowConfig) -> list[tuple[str, str]]:
    """The cameras an operator's follows want on their wall, once each: each follow's current
    camera ("follow"), and while searching its likeliest next cameras ("follow_next")."""
    wanted: list[tuple[str, str]] = []
    for chain in chains:
        wanted.append((chain.camera_id, "follow"))
        if chain.state == "searching":
            links = topo.next_cameras(chain.camera_id, chain.exit_edge)
            picked = [
                lk.target
                for lk, _ in links
                if lk.target != chain.camera_id and lk.target not in (chain.not_seen or [])
            ]
            wanted += [(cam, "follow_next") for cam in picked[: cfg.neighbours_on_wall]]
    first: dict[str, str] = {}
    for cam, why in wanted:
        first.setdefault(cam, why)
    return list(first.items())
