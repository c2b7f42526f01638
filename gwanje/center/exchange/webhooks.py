"""Events, alert lifecycle and camera state as signed CloudEvents to configured URLs
(``exchange.webhooks``; docs/exchange.md).

Staging: the message for each receiver is written to the store's outbox in the same transaction
as the facts it reports (``stage_*`` take the caller's session), so a crash cannot commit one
without the other. Its CloudEvent id is the idempotency key (``event:<id>:<phase>``,
``alert:<id>:<status>:<raise>``, ``camera:<id>:<status>:<ms>``): telling the same fact twice
queues it once, and a receiver drops a delivery it has seen.

Delivery: one thread per receiver takes the oldest due messages, posts up to ``concurrency`` at
once (the body exactly as staged, signed at the moment of sending), and records each outcome.
2xx is delivered; 408, 425, 429, 5xx, timeouts and refused connections are retried after
``backoff_s`` doubling to ``backoff_cap_s`` (a ``Retry-After`` in seconds is honoured), jittered;
any other 4xx, or ``max_attempts`` failures, makes a dead letter that a supervisor sees in the
console and may replay. A message sent when the center died is sent again after the restart:
delivery is at least once, de-duplicated by the key.
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from sqlalchemy.orm import Session

from gwanje.center.exchange.messages import SCHEMA, alert_message, event_message, state_message
from gwanje.center.exchange.webhook_signing import HEADER, sign
from gwanje.config import ExchangeConfig, WebhookConfig
from gwanje.domain import CameraState, Event
from gwanje.store import outbox
from gwanje.store.db import Database
from gwanje.store.models import now_utc, utc

log = logging.getLogger(__name__)
TYPE_PREFIX = "kr.gwanje"
RETRY_STATUSES = frozenset({408, 425, 429})


def _parse_time(value: str | None) -> datetime:
    return utc(datetime.fromisoformat(value)) if value else now_utc()  # type: ignore[return-value]


class Webhooks:
    """What the center stages for the receivers, and the threads that deliver it."""

    def __init__(self, config: ExchangeConfig, site: str, db: Database) -> None:
        self.hooks = config.webhooks
        self.site, self.db = site, db
        self.source = f"/gwanje/{site}"
        self.keep_delivered = timedelta(hours=config.keep_delivered_h)
        self._status: dict[str, str] = {}
        # (a secret missing from the environment fails here, at start)
        self._senders = [_Sender(h, h.signing_key(), db) for h in self.hooks]

    # -- staging, in the caller's transaction --------------------------------------------------
    def _cloudevent(self, key: str, ce_type: str, subject: str, at: datetime, data: dict) -> str:
        event = CloudEvent(
            {
                "id": key,
                "source": self.source,
                "type": f"{TYPE_PREFIX}.{ce_type}",
                "subject": subject,
                "time": at,
                "dataschema": SCHEMA,
                "datacontenttype": "application/json",
            },
            data,
        )
        return to_structured_event(event).body.decode()

    def _stage(
        self, s: Session, kind: str, camera_id: str, key: str, ce_type: str, at: datetime, data: dict
    ) -> None:
        hooks = [h for h in self.hooks if h.wants(kind, camera_id)]
        if not hooks:
            return
        body = self._cloudevent(key, ce_type, camera_id, at, data)
        outbox.stage(
            s, [outbox.Staged(h.name, key, f"{TYPE_PREFIX}.{ce_type}", camera_id, body) for h in hooks]
        )

    def stage_events(self, s: Session, events: list[Event], alert_of: dict[str, str]) -> None:
        for e in events:
            at = e.ended_at if e.phase == "end" else e.started_at
            msg = event_message(self.site, e, alert_of.get(e.event_id))
            self._stage(s, "event", e.camera_id, f"event:{e.event_id}:{e.phase}", f"event.{e.phase}", at, msg)

    def stage_alert(self, s: Session, alert: dict[str, Any]) -> None:
        """A lifecycle step: the same alert in the same status (a hit joined it, a checklist tick)
        is the same message and is queued once."""
        key = f"alert:{alert['id']}:{alert['status']}:{alert.get('raise_count', 0)}"
        at = _parse_time(alert.get("last_at"))
        msg = alert_message(self.site, alert)
        self._stage(s, "alert", str(alert["camera_id"]), key, f"alert.{alert['status']}", at, msg)

    def camera_state(self, state: CameraState) -> None:
        """A status change, in a transaction of its own (health is not stored elsewhere)."""
        if self._status.get(state.camera_id) == state.status.value:
            return
        self._status[state.camera_id] = state.status.value
        at = now_utc()
        key = f"camera:{state.camera_id}:{state.status.value}:{int(at.timestamp() * 1000)}"
        with self.db.sessions.begin() as s:
            self._stage(
                s,
                "camera_state",
                state.camera_id,
                key,
                "camera.state",
                at,
                state_message(self.site, state, at),
            )
        self.wake()

    # -- delivery ---------------------------------------------------------------------------
    def wake(self) -> None:
        for sender in self._senders:
            sender.wake.set()

    def start(self) -> None:
        for sender in self._senders:
            sender.start()

    def stop(self) -> None:
        for sender in self._senders:
            sender.stop()
        for sender in self._senders:
            sender.join(10)

    def forget_delivered(self) -> int:
        with self.db.sessions.begin() as s:
            return outbox.forget_delivered(s, self.keep_delivered)


def retry_delay(hook: WebhookConfig, attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try after ``attempts`` failures: doubling, capped, jittered to
    between half and all of it (many receivers coming back at once do not get every retry at
    the same moment); a receiver's own Retry-After wins when longer, within the cap."""
    base = min(hook.backoff_cap_s, hook.backoff_s * 2 ** max(attempts - 1, 0))
    delay = base * (0.5 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, hook.backoff_cap_s))
    return delay


class _Sender(threading.Thread):
    def __init__(self, hook: WebhookConfig, key: bytes, db: Database) -> None:
        super().__init__(name=f"webhook-{hook.name}", daemon=True)
        self.hook, self.key, self.db = hook, key, db
        self.wake = threading.Event()
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.wake.set()

    def run(self) -> None:
        client = httpx.Client(timeout=self.hook.timeout_s, follow_redirects=False)
        pool = ThreadPoolExecutor(self.hook.concurrency, thread_name_prefix=f"webhook-{self.hook.name}")
        try:
            while not self._halt.is_set():
                self.wake.clear()  # before the round reads the outbox: a later stage wakes the wait
                try:
                    sent = self._round(client, pool)
                except Exception:
                    log.exception("webhook %s: a delivery round failed", self.hook.name)
                    sent = 0
                if not sent:
                    self.wake.wait(0.5)
        finally:
            pool.shutdown(wait=True)
            client.close()

    def _round(self, client: httpx.Client, pool: ThreadPoolExecutor) -> int:
        with self.db.sessions() as s:
            rows = [
                (r.id, r.key, r.body, r.attempts)
                for r in outbox.due(s, self.hook.name, self.hook.concurrency)
            ]
        if not rows:
            return 0
        outcomes = list(pool.map(lambda r: self._deliver(client, *r), rows))
        with self.db.sessions.begin() as s:
            outbox.record(s, outcomes)
        return len(rows)

    def _deliver(
        self, client: httpx.Client, row_id: int, key: str, body: str, attempts: int
    ) -> outbox.Outcome:
        data = body.encode()
        headers = {
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "Idempotency-Key": key,
            HEADER: sign(self.key, data),
            "User-Agent": "gwanje-webhooks/1",
        }
        status, retry_after, error = None, None, None
        try:
            reply = client.post(str(self.hook.url), content=data, headers=headers)
            status = reply.status_code
            if 200 <= status < 300:
                return outbox.Outcome(row_id, True, status)
            error = f"HTTP {status}: {reply.text[:200]}"
            retry_after = _seconds(reply.headers.get("Retry-After"))
            retry = status in RETRY_STATUSES or status >= 500
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            retry = True
        tries = attempts + 1
        if not retry or tries >= self.hook.max_attempts:
            log.warning(
                "webhook %s: %s is a dead letter after %d tries (%s)", self.hook.name, key, tries, error
            )
            return outbox.Outcome(row_id, False, status, error)
        at = now_utc() + timedelta(seconds=retry_delay(self.hook, tries, retry_after))
        return outbox.Outcome(row_id, False, status, error, retry_at=at)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the backoff decides
