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
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable

from nats.js.errors import KeyWrongLastSequenceError, NotFoundError

from gwanje.center.cluster.nodes import NodeRegistry, keys_of
from gwanje.center.cluster.placement import place
from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import LEASE_S, bucket
from gwanje.workers.nats_out import close, connect, token

log = logging.getLogger(__name__)
EVERY_S = 1.0


class Assigner:
    def __init__(
        self, cfg: NatsConfig, site: str, registry: NodeRegistry, cameras: Callable[[], dict[str, dict]]
    ) -> None:
        """``cameras``: the enabled cameras' configs by id (read from the store, in a thread).
        Drained nodes and pinned cameras are kept in the assignment bucket (``drain.<node>``,
        ``pin.<camera>``), so whichever center leads follows them."""
        self.cfg, self.site, self.registry, self.cameras = cfg, site, registry, cameras
        self.drained: frozenset[str] = frozenset()
        self.pinned: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._assign_kv = None
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
            self._loop, self._assign_kv = asyncio.get_running_loop(), assign
            revision = None
            while True:
                try:
                    if revision is None:
                        revision = await ctl.create("leader", self.me.encode())
                        log.warning("assigner %s leads", self.me)
                    else:
                        revision = await ctl.update("leader", self.me.encode(), last=revision)
                    self.leader = True
                except Exception as exc:  # another leads (or we lost it, or the broker is away)
                    if not isinstance(exc, KeyWrongLastSequenceError):
                        log.warning(
                            "assigner %s: the leader key cannot be taken or renewed: %s", self.me, exc
                        )
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
            await close(nc, f"the assigner {self.me}")

    async def _current(self, assign) -> dict[str, str]:  # noqa: ANN001 - KeyValue
        """What the bucket says each node runs (a new leader starts from it: placements stay)."""
        where: dict[str, str] = {}
        for key in [k for k in await keys_of(assign) if k.startswith("node.")]:
            try:
                entry = await assign.get(key)
            except NotFoundError:
                continue
            for cam in json.loads(entry.value or b"{}").get("cameras", []):
                where[cam["id"]] = key.removeprefix("node.")
        return where

    async def _prefs(self, assign) -> None:  # noqa: ANN001 - KeyValue
        drained, pinned = set(), {}
        for key in await keys_of(assign):
            if key.startswith("drain."):
                drained.add(key.removeprefix("drain."))
            elif key.startswith("pin."):
                try:
                    pinned[key.removeprefix("pin.")] = (await assign.get(key)).value.decode()
                except NotFoundError:
                    continue  # unpinned meanwhile
        self.drained, self.pinned = frozenset(drained), pinned

    def set_drain(self, node: str, drain: bool) -> None:
        """An administrator's drain (its cameras move away, then it idles) or its end (from any
        thread; the next placement follows it)."""
        key = f"drain.{token(node)}"
        self._call(lambda kv: kv.put(key, b"1") if drain else kv.delete(key))

    def set_pin(self, camera_id: str, node: str | None) -> None:
        """Run this camera on this node while it is live (None: place it freely)."""
        key = f"pin.{token(camera_id)}"
        self._call(lambda kv: kv.put(key, token(node).encode()) if node else kv.delete(key))

    def _call(self, make) -> None:  # noqa: ANN001 - KeyValue → coroutine
        if self._loop is None or self._assign_kv is None:
            raise RuntimeError("the cluster's assignment store is not reachable yet")
        try:
            asyncio.run_coroutine_threadsafe(make(self._assign_kv), self._loop).result(5)
        except Exception as exc:
            raise RuntimeError(f"the cluster's assignment store did not take it: {exc}") from exc

    async def _assign(self, assign) -> None:  # noqa: ANN001
        await self._prefs(assign)
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
            drained=self.drained,
            pinned={c: n for c, n in self.pinned.items() if c in configs},
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
            await assign.delete(f"node.{token(name)}")  # (a failure: the next round tries again)
            del self.written[name]
