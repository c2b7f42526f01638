"""One assigner at a time (issue 19): two centers' assigners against a real nats-server; the first
leads, the second stands by, and takes over within a lease of the first one's death."""

from __future__ import annotations

import asyncio
import time

from support.nats_broker import Broker

from gwanje.center.cluster.assigner import Assigner
from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import LEASE_S


class NoNodes:
    assigner = None

    def nodes(self) -> list:
        return []


def test_a_standby_assigner_takes_over_within_a_lease(tmp_path) -> None:
    broker = Broker(tmp_path / "nats")
    broker.start()
    cfg = NatsConfig(servers=(broker.url,))

    async def scenario() -> float:
        first = Assigner(cfg, "osan", NoNodes(), cameras=dict)
        second = Assigner(cfg, "osan", NoNodes(), cameras=dict)
        t1 = asyncio.create_task(first.run())
        await asyncio.sleep(2.0)
        t2 = asyncio.create_task(second.run())
        await asyncio.sleep(3.0)
        assert first.leader and not second.leader  # one at a time
        t1.cancel()  # the first center dies (its renewals stop)
        died = time.monotonic()
        while not second.leader:
            assert time.monotonic() - died < LEASE_S + 3, "the standby never took over"
            await asyncio.sleep(0.2)
        took = time.monotonic() - died
        t2.cancel()
        return took

    try:
        took = asyncio.run(scenario())
    finally:
        broker.kill()
    assert took <= LEASE_S + 2


class TwoNodes:
    assigner = None

    def nodes(self) -> list:
        return [{"name": n, "capacity": 1.0, "generation": 1, "cameras": []} for n in ("node-a", "node-b")]


def test_a_drained_node_empties_and_a_pinned_camera_goes_to_its_node(tmp_path) -> None:
    import json

    import nats

    broker = Broker(tmp_path / "nats")
    broker.start()
    cfg = NatsConfig(servers=(broker.url,))
    cams = {"cam-1": {"id": "cam-1"}, "cam-2": {"id": "cam-2"}}

    async def until(check, timeout: float = 10.0) -> None:  # noqa: ANN001
        t0 = time.monotonic()
        while not check():
            assert time.monotonic() - t0 < timeout
            await asyncio.sleep(0.1)

    async def scenario() -> None:
        a = Assigner(cfg, "osan", TwoNodes(), cameras=lambda: cams)
        task = asyncio.create_task(a.run())
        await until(lambda: a.leader and a.where and len(a.where) == 2)
        first = a.where["cam-1"]
        other = "node-b" if first == "node-a" else "node-a"
        await asyncio.to_thread(a.set_drain, first, True)
        await until(lambda: set(a.where.values()) == {other})  # everything left the drained node
        nc = await nats.connect(broker.url)
        kv = await nc.jetstream().key_value("gwanje_assign_osan")
        await until(lambda: a.written.get(first) == (1, []))
        assert json.loads((await kv.get(f"node.{first}")).value)["cameras"] == []
        await asyncio.to_thread(a.set_pin, "cam-2", first)  # pinned to a drained node: not yet
        await asyncio.sleep(2.5)
        assert a.where["cam-2"] == other
        await asyncio.to_thread(a.set_drain, first, False)
        await until(lambda: a.where["cam-2"] == first)  # the drain ended: the pin holds
        assert a.where["cam-1"] == other  # and nothing else moved back
        await nc.close()
        task.cancel()

    try:
        asyncio.run(scenario())
    finally:
        broker.kill()
