"""A node's lease in the cluster (``gwanje node``): every ``RENEW_S`` the node puts its entry in the
site's JetStream key-value bucket of nodes (``gwanje_nodes_<site>``), whose entries expire
``LEASE_S`` after their last put; the entry says what the node runs and what each camera costs
(ms per analysed frame, measured), so the center can list the nodes and, later, place cameras by
measured cost. A node that dies or is cut off simply stops renewing: its entry is gone within
``LEASE_S``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable

from gwanje.config.cluster import NatsConfig
from gwanje.workers.nats_out import connect, token

log = logging.getLogger(__name__)
RENEW_S = 2.0
LEASE_S = 6.0


def bucket_name(site: str) -> str:
    return f"gwanje_nodes_{token(site)}"


async def nodes_bucket(js, site: str, replicas: int = 1):  # noqa: ANN001, ANN201 - JetStream, KeyValue
    from nats.js.api import KeyValueConfig, StorageType

    try:
        return await js.key_value(bucket_name(site))
    except Exception:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=bucket_name(site),
                ttl=LEASE_S,
                history=1,
                storage=StorageType.MEMORY,
                replicas=replicas,
            )
        )


class NodeLease:
    """Renews the node's entry on a thread of its own until ``close``."""

    def __init__(self, cfg: NatsConfig, site: str, name: str, describe: Callable[[], dict]) -> None:
        self.cfg, self.site, self.name, self.describe = cfg, site, name, describe
        self.renewals = 0
        self._halt = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name=f"lease-{name}", daemon=True
        )
        self._thread.start()

    async def _main(self) -> None:
        nc = await connect(self.cfg, f"gwanje-lease-{self.name}")
        try:
            kv = None
            while not self._halt.is_set():
                try:
                    if kv is None:
                        kv = await nodes_bucket(nc.jetstream(), self.site, self.cfg.replicas)
                    body = {**self.describe(), "name": self.name, "renewed_at": time.time()}
                    await kv.put(token(self.name), json.dumps(body).encode())
                    self.renewals += 1
                except Exception as exc:  # the broker away: renew as soon as it is back
                    log.warning("node %s: renewing its lease failed: %s", self.name, exc)
                    kv = None
                await asyncio.sleep(RENEW_S)
            with contextlib.suppress(Exception):
                if kv is not None:
                    await kv.delete(token(self.name))  # a clean stop frees the lease at once
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    def close(self) -> None:
        self._halt.set()
        self._thread.join(RENEW_S + 5)
