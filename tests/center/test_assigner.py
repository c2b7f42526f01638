"""One assigner at a time (issue 19): two centers' assigners against a real nats-server; the first
leads, the second stands by, and takes over within a lease of the first one's death."""

from __future__ import annotations

import asyncio
import time

from support.nats_broker import Broker

from gwanje.center.assigner import Assigner
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
