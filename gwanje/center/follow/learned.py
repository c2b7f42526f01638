"""The learned topology, read from the track records of the last days (``follow.learned_days``):
exits (final records with the side the person left by) and entries (first records) of people,
paired by ``topology.learn``. Recomputed every ``EVERY_S`` by the runtime."""

from __future__ import annotations

from datetime import timedelta

from gwanje.center.follow.topology import Crossing, Link, learn
from gwanje.config import FollowConfig
from gwanje.store import track_records as repo
from gwanje.store.db import Database
from gwanje.store.models import now_utc, utc
from gwanje.store.track_records import vector_of

EVERY_S = 600.0


def learned_links(
    db: Database, cfg: FollowConfig, configured: set[tuple[str, str]], same_logit: tuple[float, float] | None
) -> list[Link]:
    since = now_utc() - timedelta(days=cfg.learned_days)
    with db.sessions() as s:
        rows = repo.exits_and_entries(s, since)
    exits, entries = [], []
    for camera, track_start, ended, exit_edge, entry_edge, part, final, vector, model in rows:
        v = vector_of(vector)
        if final:
            exits.append(Crossing(camera, utc(ended), exit_edge, v, model))
        if part == 0:
            entries.append(Crossing(camera, utc(track_start), entry_edge, v, model))
    return learn(exits, entries, same_logit, cfg.learned_min_pairs, configured)
