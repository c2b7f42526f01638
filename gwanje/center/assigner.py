"""Which node runs which camera (cluster mode; docs/cluster.md). One assigner at a time: the
``gwanje serve`` holding the ``leader`` key of the site's control bucket (made only if absent,
renewed every second, expiring ``LEASE_S`` after its last renewal), so a second ``gwanje serve``
standing by takes over within a lease of the first one's death.

The leader places the enabled cameras on the nodes holding a lease (``placement.place``: measured
cost, declared capacity, sticky) and writes each node's cameras to the assignment bucket under
``node.<name>``, for that node's current generation. A node whose lease has expired has fenced
itself already (it stops at ``FENCE_S`` < ``LEASE_S``), so its cameras may start elsewhere at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable

from gwanje.center.nodes import NodeRegistry
from gwanje.center.placement import place
from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import LEASE_S, bucket
from gwanje.workers.nats_out import connect, token

log = logging.getLogger(__name__)
EVERY_S = 1.0


class Assigner:
    def __init__(
        self,
        cfg: NatsConfig,
        site: str,
        registry: NodeRegistry,
        cameras: Callable[[], dict[str, dict]],
        drained: Callable[[], frozenset[str]] = frozenset,
        pinned: Callable[[], dict[str, str]] = dict,
    ) -> None:
        """``cameras``: the enabled cameras' configs by id (read from the store, in a thread)."""
        self.cfg, self.site, self.registry = cfg, site, registry
        self.cameras, self.drained, self.pinned = cameras, drained, pinned
        self.me = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.leader = False
        self.where: dict[str, str] | None = None  # camera → node, as last written
        self.written: dict[str, tuple[int, list[str]]] = {}  # node → (generation, camera ids) written
        self.unplaced: tuple[str, ...] = ()
        self.moves: list[tuple[float, str, str | None, str]] = []  # (time, camera, from, to)

    async def run(self) -> None:
        nc = await connect(self.cfg, f"gwanje-assigner-{self.site}")
        try:
            js = nc.jetstream()
            ctl = await bucket(js, self.site, "ctl", LEASE_S, self.cfg.replicas)
            assign = await bucket(js, self.site, "assign", None, self.cfg.replicas)
            revision = None
            while True:
                try:
                    if revision is None:
                        revision = await ctl.create("leader", self.me.encode())
                        log.warning("assigner %s leads", self.me)
                    else:
                        revision = await ctl.update("leader", self.me.encode(), last=revision)
                    self.leader = True
                except Exception:  # another leads (or we lost it): stand by
                    if self.leader:
                        log.warning("assigner %s lost the lead", self.me)
                    self.leader, revision, self.where = False, None, None
                if self.leader:
                    try:
                        await self._assign(assign)
                    except Exception:
                        log.exception("assigning cameras failed")
                await asyncio.sleep(EVERY_S)
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    async def _current(self, assign) -> dict[str, str]:  # noqa: ANN001 - KeyValue
        """What the bucket says each node runs (a new leader starts from it: placements stay)."""
        where: dict[str, str] = {}
        try:
            keys = await assign.keys()
        except Exception:
            return where
        for key in keys:
            with contextlib.suppress(Exception):
                entry = await assign.get(key)
                for cam in json.loads(entry.value or b"{}").get("cameras", []):
                    where[cam["id"]] = key.removeprefix("node.")
        return where

    async def _assign(self, assign) -> None:  # noqa: ANN001
        nodes = {n["name"]: n for n in self.registry.nodes()}
        if self.where is None:
            self.where = await self._current(assign)
        configs = await asyncio.to_thread(self.cameras)
        measured = {
            c["id"]: c["ms_per_frame"] * c["fps"]
            for n in nodes.values()
            for c in n.get("cameras", [])
            if c.get("ms_per_frame") and c.get("fps")
        }
        out = place(
            {cid: measured.get(cid) for cid in configs},
            {name: float(n.get("capacity", 1.0)) for name, n in nodes.items()},
            self.where,
            drained=self.drained(),
            pinned=self.pinned(),
        )
        now = time.time()
        for cam, node in out.where.items():
            if self.where.get(cam) != node:
                self.moves.append((now, cam, self.where.get(cam), node))
        self.where, self.unplaced = dict(out.where), out.unplaced
        for name, node in nodes.items():
            ids = sorted(c for c, n in out.where.items() if n == name)
            gen = int(node.get("generation", 1))
            if self.written.get(name) == (gen, ids):
                continue
            body = {"generation": gen, "cameras": [configs[c] for c in ids], "by": self.me, "at": now}
            await assign.put(f"node.{token(name)}", json.dumps(body).encode())
            self.written[name] = (gen, ids)
        for name in [n for n in self.written if n not in nodes]:  # gone: nothing of theirs stays
            with contextlib.suppress(Exception):
                await assign.delete(f"node.{token(name)}")
            del self.written[name]
