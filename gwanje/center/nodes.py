"""The nodes of a cluster as the center sees them (``cluster.transport: nats``): read every
``RENEW_S`` from the site's bucket of node leases (gwanje.workers.lease). A node whose lease is
not renewed is gone from the bucket within ``LEASE_S``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import LEASE_S, RENEW_S, nodes_bucket
from gwanje.workers.nats_out import connect

log = logging.getLogger(__name__)


class NodeRegistry:
    def __init__(self, cfg: NatsConfig, site: str) -> None:
        self.cfg, self.site = cfg, site
        self._nodes: dict[str, dict[str, Any]] = {}
        self.read_at = 0.0

    def nodes(self) -> list[dict[str, Any]]:
        """Each node with its lease's age; none older than the lease (those have expired)."""
        now = time.time()
        out = []
        for body in sorted(self._nodes.values(), key=lambda b: b["name"]):
            age = now - float(body.get("renewed_at", 0))
            if age <= LEASE_S:
                out.append(
                    {
                        **body,
                        "lease_age_s": round(age, 2),
                        "load_ms": round(
                            sum(c.get("ms_per_frame", 0) * c.get("fps", 0) for c in body.get("cameras", [])),
                            1,
                        ),
                    }
                )
        return out

    async def run(self) -> None:
        """Until cancelled."""
        nc = await connect(self.cfg, f"gwanje-nodes-{self.site}")
        try:
            kv = None
            while True:
                try:
                    if kv is None:
                        kv = await nodes_bucket(nc.jetstream(), self.site, self.cfg.replicas)
                    try:
                        keys = await kv.keys()
                    except Exception:  # nats-py says "no keys" with an exception
                        keys = []
                    seen = {}
                    for key in keys:
                        with contextlib.suppress(Exception):
                            entry = await kv.get(key)
                            if entry.value:
                                seen[key] = json.loads(entry.value)
                    self._nodes, self.read_at = seen, time.time()
                except Exception as exc:
                    log.warning("reading the nodes' leases failed: %s", exc)
                    kv = None
                await asyncio.sleep(RENEW_S)
        finally:
            with contextlib.suppress(Exception):
                await nc.close()
