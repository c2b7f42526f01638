"""The nodes of a cluster as the center sees them (``cluster.transport: nats``): read every
``READ_S`` from the site's bucket of node leases (gwanje.workers.lease). A node whose lease is
not renewed is gone from the bucket within ``LEASE_S``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from nats.js.errors import NotFoundError

from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import LEASE_S, nodes_bucket
from gwanje.workers.nats_out import close, connect

log = logging.getLogger(__name__)
READ_S = 1.0  # how often the leases are read (a renewal every RENEW_S is seen within this)


async def keys_of(kv) -> list[str]:  # noqa: ANN001 - KeyValue
    """The bucket's keys (nats-py answers an empty bucket with NoKeysError)."""
    from nats.js.errors import NoKeysError

    try:
        return await kv.keys()
    except NoKeysError:
        return []


class NodeRegistry:
    def __init__(self, cfg: NatsConfig, site: str) -> None:
        self.cfg, self.site = cfg, site
        self._nodes: dict[str, dict[str, Any]] = {}
        self._renewed: dict[str, tuple[int, float]] = {}  # key → (revision, when first seen)
        self.read_at = 0.0
        self.assigner = None  # the cluster's assigner, when this center runs one (for its state)

    def nodes(self) -> list[dict[str, Any]]:
        """Each node with its lease's age; none older than the lease (those have expired)."""
        now = time.monotonic()
        out = []
        for key, body in sorted(self._nodes.items()):
            # the lease's age by this center's clock: since it last saw the entry's revision change
            age = now - self._renewed.get(key, (0, 0.0))[1]
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
                    seen = {}
                    for key in await keys_of(kv):
                        try:
                            entry = await kv.get(key)
                        except NotFoundError:
                            continue  # expired between the listing and the read
                        if not entry.value:
                            continue
                        try:
                            seen[key] = json.loads(entry.value)
                        except ValueError:
                            log.error("the lease of node %s is not JSON: ignored", key)
                            continue
                        if self._renewed.get(key, (None,))[0] != entry.revision:
                            self._renewed[key] = (entry.revision, time.monotonic())
                    self._renewed = {k: v for k, v in self._renewed.items() if k in seen}
                    self._nodes, self.read_at = seen, time.time()
                except Exception as exc:
                    log.warning("reading the nodes' leases failed: %s", exc)
                    kv = None
                await asyncio.sleep(READ_S)
        finally:
            await close(nc, "the node registry")
