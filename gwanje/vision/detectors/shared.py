"""One compiled network per process for all the cameras of a worker, run as parallel requests.

Each camera thread used to compile its own copy of the detector with OpenVINO's latency hint:
every copy spreads one inference over all the cores, and four cameras on a two-core node then
fight over them. Here the cameras of a process share one network compiled with the throughput
hint (OpenVINO splits the cores into streams, each running one request on its own share) and a
pool of infer requests, one per stream: a camera takes a free request, runs its frame (the call
releases the GIL, so the cameras' requests overlap) and gives it back. ``shared: false`` in a
camera's detector config keeps the old way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

_networks: dict[Hashable, PooledNetwork] = {}
_guard = threading.Lock()


class PooledNetwork:
    """A compiled network and a pool of its infer requests (as many as its streams: one with the
    latency hint), safe to call from several threads."""

    def __init__(self, compiled: Any) -> None:
        import openvino as ov

        self.compiled = compiled
        self.outputs = list(compiled.outputs)
        streams = max(1, int(compiled.get_property(ov.properties.optimal_number_of_infer_requests)))
        self.free: queue.Queue = queue.Queue()
        for _ in range(streams):
            self.free.put(compiled.create_infer_request())
        self.streams = streams

    def infer(self, inputs: dict) -> list[np.ndarray]:
        """The outputs (copies: the request is reused) for ``inputs``; waits for a free request."""
        request = self.free.get()
        try:
            request.infer(inputs)
            return [request.get_tensor(o).data.copy() for o in self.outputs]
        finally:
            self.free.put(request)


def shared_network(key: Hashable, compile_network: Callable[[], Any]) -> PooledNetwork:
    """The process's network for ``key``, compiled by ``compile_network`` the first time."""
    with _guard:
        network = _networks.get(key)
        if network is None:
            network = _networks[key] = PooledNetwork(compile_network())
        return network
