"""A node's lease in the cluster (``gwanje node``) and the cameras it is assigned.

Every ``RENEW_S`` the node puts its entry in the site's key-value bucket of nodes
(``gwanje_nodes_<site>``; entries expire ``LEASE_S`` after their last put): what it runs and what
each camera costs (ms per analysed frame, measured), its capacity, and its **generation**. Every
``POLL_S`` it reads its assignment (``gwanje_assign_<site>``, key ``node.<name>``), written by the
center's assigner for that generation.

**Fencing**: a node whose last successful renewal is older than ``FENCE_S`` (< ``LEASE_S``) is no
longer sure of its lease (cut off, paused): ``valid()`` turns false, its camera threads are stopped
and nothing more is published (checked before each publish), before the assigner may give the
cameras to another node (after ``LEASE_S``). When it renews again it takes a new generation and
ignores every assignment written for an older one, so it never resumes what was moved away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable

from gwanje.config.cluster import NatsConfig
from gwanje.workers.nats_out import close, connect, token

log = logging.getLogger(__name__)
RENEW_S = 2.0
LEASE_S = 6.0
FENCE_S = 4.0
POLL_S = 1.0


def bucket_name(site: str, what: str = "nodes") -> str:
    return f"gwanje_{what}_{token(site)}"


async def bucket(js, site: str, what: str, ttl: float | None, replicas: int = 1):  # noqa: ANN001, ANN201
    """The site's key-value bucket ``what`` (made when missing)."""
    from nats.js.api import KeyValueConfig, StorageType
    from nats.js.errors import NotFoundError

    try:
        return await js.key_value(bucket_name(site, what))
    except NotFoundError:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=bucket_name(site, what),
                ttl=ttl,
                history=1,
                storage=StorageType.MEMORY if ttl else StorageType.FILE,
                replicas=replicas,
                # reads by key on a subject naming the key: a node may be let read its own alone
                direct=True,
            )
        )


async def nodes_bucket(js, site: str, replicas: int = 1):  # noqa: ANN001, ANN201
    return await bucket(js, site, "nodes", LEASE_S, replicas)


class NodeLease:
    """Renews the node's entry and reads its assignment on a thread of its own until ``close``.
    ``assigned`` is the latest assignment for the current generation (None: none yet)."""

    def __init__(self, cfg: NatsConfig, site: str, name: str, describe: Callable[[], dict]) -> None:
        self.cfg, self.site, self.name, self.describe = cfg, site, name, describe
        self.generation = 1
        self.last_renewed = 0.0  # monotonic time of the last renewal the broker took
        self.assigned: list[dict] | None = None
        self._halt = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name=f"lease-{name}", daemon=True
        )
        self._thread.start()

    def valid(self) -> bool:
        return self.last_renewed > 0 and time.monotonic() - self.last_renewed < FENCE_S

    async def _main(self) -> None:
        nc = await connect(self.cfg, f"gwanje-lease-{self.name}", self.name)
        try:
            kv = assign = None
            next_renew = 0.0
            while not self._halt.is_set():
                try:
                    if kv is None:
                        kv = await nodes_bucket(nc.jetstream(), self.site, self.cfg.replicas)
                        assign = await bucket(nc.jetstream(), self.site, "assign", None, self.cfg.replicas)
                    if time.monotonic() >= next_renew:
                        if self.last_renewed and not self.valid():
                            self.generation += 1  # fenced since: a new generation, old assignments void
                            self.assigned = None
                            log.warning(
                                "node %s was fenced; it comes back as generation %d",
                                self.name,
                                self.generation,
                            )
                        body = {
                            **self.describe(),
                            "name": self.name,
                            "generation": self.generation,
                            "renewed_at": time.time(),
                        }
                        await kv.put(token(self.name), json.dumps(body).encode())
                        self.last_renewed = time.monotonic()
                        next_renew = self.last_renewed + RENEW_S
                    await self._read_assignment(assign)
                except Exception as exc:  # the broker away: renew as soon as it is back
                    log.warning(
                        "node %s: renewing its lease or reading its assignment failed: %s", self.name, exc
                    )
                    kv = None
                await asyncio.sleep(POLL_S)
            if kv is not None:  # a clean stop frees the lease at once (else it expires)
                try:
                    await kv.delete(token(self.name))
                except Exception as exc:
                    log.warning("node %s: its lease could not be given back (%s); it expires", self.name, exc)
        finally:
            await close(nc, f"node {self.name}'s lease")

    async def _read_assignment(self, assign) -> None:  # noqa: ANN001 - KeyValue
        from nats.js.errors import NotFoundError

        try:
            entry = await assign.get(f"node.{token(self.name)}")
        except NotFoundError:
            return  # nothing assigned (yet, or any more)
        try:
            value = json.loads(entry.value) if entry.value else {}
        except ValueError:
            log.error("node %s: its assignment is not JSON: ignored", self.name)
            return
        if value.get("generation") == self.generation and self.valid():
            self.assigned = value.get("cameras", [])

    def close(self) -> None:
        self._halt.set()
        self._thread.join(POLL_S + 5)
