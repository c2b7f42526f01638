"""A webhook receiver on loopback for the tests and the interop bench: checks each delivery's
signature, can refuse its first N deliveries, answer slowly, or be stopped and started again on
the same port. It keeps every delivery (key, body, arrival) and the set of keys it accepted."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gwanje.center.exchange.webhook_signing import HEADER, BadSignature, verify


@dataclass
class Delivery:
    key: str
    event: dict
    arrived: float
    accepted: bool


@dataclass
class Receiver:
    secret: bytes
    port: int = 0
    fail_first: int = 0  # answered 503 before any is accepted
    refuse: frozenset[str] = frozenset()  # CloudEvent types answered 400
    delay_s: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    bad_signatures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _open: set = field(default_factory=set)  # kept-alive connections, cut when it stops

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def keys(self) -> set[str]:
        with self._lock:
            return {d.key for d in self.deliveries if d.accepted}

    def accepted(self) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.accepted]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would

            def log_message(self, *_args) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                with receiver._lock:
                    receiver._open.add(self.connection)

            def finish(self) -> None:
                with receiver._lock:
                    receiver._open.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                try:
                    verify(receiver.secret, self.headers.get(HEADER), body)
                except BadSignature:
                    with receiver._lock:
                        receiver.bad_signatures += 1
                    self._answer(401)
                    return
                event = json.loads(body)
                key = self.headers.get("Idempotency-Key", "")
                with receiver._lock:
                    failing = receiver.fail_first > 0
                    if failing:
                        receiver.fail_first -= 1
                    refused = event.get("type") in receiver.refuse
                    ok = not failing and not refused
                    receiver.deliveries.append(Delivery(key, event, time.monotonic(), ok))
                self._answer(204 if ok else 400 if refused else 503)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            request_queue_size = 128  # (the default 5 drops concurrent connects: 1-s SYN retries)

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Gone, as a process that dies: no new connection, and the kept-alive ones cut."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def wait_for(self, keys: set[str], timeout: float) -> set[str]:
        """The keys still missing after waiting up to ``timeout`` for them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            missing = keys - self.keys()
            if not missing:
                return set()
            time.sleep(0.05)
        return keys - self.keys()
