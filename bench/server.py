"""The center under load: hit (event) ingest rate with their grouping into alerts, API latency
with 50 console clients, and the time from the frame that triggered a hit to the browser showing it.

    .venv/bin/python bench/server.py [--seconds 60] [--clients 50]

1. Ingest: hits through ``Center.ingest`` (the path the camera workers' batches take: one
   transaction per batch, snapshot files written first, grouped into alerts in it), on SQLite (WAL) and on the PostgreSQL
   server at 127.0.0.1:5432; then through the HTTP API (``POST /api/events``) on a real server
   process, single events from 8 concurrent clients and batches of 100.
2. Console load: a real server (``gwanje serve``, SQLite) running the demo's four cameras on the
   real clip, 50 clients each signed in with its own session, each holding the SSE stream open and
   polling the open-alert queue (first page of 50 with its total) and the camera list once a
   second, while other systems post 10 events/s. Reports p50/p95/p99 of the polls.
3. Hit-to-console: during that load, Debian's Chromium (Playwright) has the console open; for
   every hit a camera pipeline raises (it opens an alert or joins one: either is pushed), the time
   from the decode of the triggering frame (``observed_at``, stamped in the worker) to the
   console's SSE handler receiving it.
Writes bench/results/server.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import ROOT, write_result  # noqa: E402
from support.center_process import PASSWORD, run_center  # noqa: E402
from support.databases import database  # noqa: E402
from support.events import make_event  # noqa: E402

from gwanje.bus import Bus  # noqa: E402
from gwanje.center.core import Center  # noqa: E402
from gwanje.config import SiteConfig  # noqa: E402
from gwanje.domain import EventType  # noqa: E402
from gwanje.store.db import open_database  # noqa: E402

WARMUP_S = 5.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


# -- 1. ingest ---------------------------------------------------------------------------------
def ingest_direct(kind: str, n: int, batch: int, snapshot: bytes | None) -> float:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        db = open_database(url)
        site = SiteConfig.model_validate({"server": {"data_dir": tmp}})
        center = Center(site, db, Bus(), start_workers=False)
        types = list(EventType)
        events = [
            make_event(f"cam-{i % 40}", types[i % len(types)], start_s=i * 0.1, snapshot=snapshot)
            for i in range(n)
        ]
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            center.ingest(events[i : i + batch])
        rate = n / (time.perf_counter() - t0)
        center.stop()
        db.close()
        return rate


def ingest_http(kind: str, seconds: float) -> tuple[float, float]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(kind, Path(tmp)) as url,
        run_center(Path(tmp) / "c", OTHER_SYSTEMS, db_url=url, workers=1) as center,
    ):
        clients = [center.login("admin") for _ in range(8)]

        async def single() -> int:
            done = 0
            deadline = time.perf_counter() + seconds

            async def one(c: httpx.AsyncClient) -> None:
                nonlocal done
                while time.perf_counter() < deadline:
                    r = await c.post("/api/events", json={"camera_id": "bench", "type": "intrusion"})
                    done += r.status_code == 201

            acs = [
                httpx.AsyncClient(base_url=center.base, cookies=c.cookies, headers=c.headers, timeout=30)
                for c in clients
            ]
            await asyncio.gather(*(one(c) for c in acs))
            for c in acs:
                await c.aclose()
            return done

        t0 = time.perf_counter()
        n_single = asyncio.run(single())
        single_rate = n_single / (time.perf_counter() - t0)
        body = [{"camera_id": "bench", "type": "loitering"} for _ in range(100)]
        t0, n_batch = time.perf_counter(), 0
        while time.perf_counter() - t0 < seconds:
            r = clients[0].post("/api/events", json=body)
            n_batch += len(r.json()["created"])
        return single_rate, n_batch / (time.perf_counter() - t0)


# -- 2 and 3. console load and event-to-console latency ---------------------------------------
async def console_load(base: str, clients: int, seconds: float, browser: bool) -> dict:
    polls: list[float] = []
    warmup: list[float] = []  # the first seconds: 50 streams opening at once, caches filling
    trace: list[tuple[float, float, str]] = []
    errors = 0
    sse_messages = 0
    stop = asyncio.Event()

    async def login() -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=120))
        r = await c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
        return c

    async def console(c: httpx.AsyncClient, offset: float) -> None:
        nonlocal errors, sse_messages

        async def stream() -> None:
            nonlocal sse_messages
            async with c.stream("GET", "/api/stream") as r:
                async for line in r.aiter_lines():
                    sse_messages += line.startswith("event: ")
                    if stop.is_set():
                        return

        reader = asyncio.create_task(stream())
        await asyncio.sleep(offset)
        paths = ["/api/alerts?status=open&limit=50", "/api/cameras"]
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                r = await c.get(paths[i % 2])
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            ms = (time.perf_counter() - t0) * 1e3
            (polls if t0 >= measure_from else warmup).append(ms)
            trace.append((t0, ms, paths[i % 2]))
            i += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))
        reader.cancel()

    async def feeder(c: httpx.AsyncClient) -> None:
        while not stop.is_set():
            await c.post(
                "/api/events", json={"camera_id": "other-system", "type": "loitering", "severity": "low"}
            )
            await asyncio.sleep(0.1)

    sessions = [await login() for _ in range(clients)]
    admin = httpx.AsyncClient(base_url=base, timeout=30)
    r = await admin.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    admin.headers["X-CSRF-Token"] = r.json()["csrf"]
    page_latencies: list[float] = []
    pw = b = page = None
    if browser:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        b = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = await b.new_page()
        await page.goto(base + "/#wall")  # the wall: 4 live views and the queue
        await page.fill("input[name=username]", "park")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#app:not([hidden])")
    # the load generator's own garbage-collection pauses would be counted as server latency
    gc.collect()
    gc.freeze()
    gc.disable()
    measure_from = time.perf_counter() + WARMUP_S
    tasks = [asyncio.create_task(console(c, i / clients)) for i, c in enumerate(sessions)]
    tasks.append(asyncio.create_task(feeder(admin)))
    await asyncio.sleep(seconds + WARMUP_S)
    stop.set()
    gc.enable()
    if page is not None:
        received = await page.evaluate("window.gwanjeReceived || []")
        for item in received:
            if item.get("observed_at") and item.get("camera_id") != "other-system":  # camera pipelines only
                observed = datetime.fromisoformat(item["observed_at"]).timestamp() * 1e3
                page_latencies.append(item["received_ms"] - observed)
        await b.close()
        await pw.stop()
    await asyncio.wait(tasks, timeout=10)
    for c in sessions + [admin]:
        await c.aclose()
    return {
        "polls": polls,
        "errors": errors,
        "sse": sse_messages,
        "latency": page_latencies,
        "trace": trace,
        "warmup": warmup,
    }


def _previous_ingest_rows() -> list[str]:
    old = (ROOT / "bench" / "results" / "server.md").read_text(encoding="utf-8").splitlines()
    return [ln for ln in old if ln.startswith("| Center.ingest") or ln.startswith("| HTTP POST")]


# posted events must name cameras the center has (issue 16): these stand for another system's
OTHER_SYSTEMS = [
    {"id": "bench", "url": "/nonexistent/bench.mp4"},
    {"id": "other-system", "url": "/nonexistent/o.mp4"},
]


def demo_cameras() -> list[dict]:
    site = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    return site["cameras"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument(
        "--skip-ingest", action="store_true", help="only the console load (keeps the ingest rows)"
    )
    args = ap.parse_args()
    lines = [
        "# Center under load",
        "",
        f"`.venv/bin/python bench/server.py --seconds {args.seconds:g} --clients {args.clients}` "
        f"({datetime.now().date()}, {os.cpu_count()} cores; clients, browser and server share the machine)",
        "",
        "## Event ingest (target ≥ 1,000 events/s into each database)",
        "",
        "| path | database | events/s |",
        "|---|---|---|",
    ]
    if args.skip_ingest:
        lines += _previous_ingest_rows()
        lines += [
            "",
            "(ingest rows kept from the previous full run of this script; `--skip-ingest` ran the rest)",
        ]
    else:
        snapshot = os.urandom(30_000)  # a 30 kB stand-in for the event's JPEG
        for kind in ("sqlite", "postgresql"):
            for batch, snap, label in (
                (100, None, "worker batches of 100"),
                (100, snapshot, "worker batches of 100, 30 kB snapshot each"),
                (1, None, "one event per transaction"),
            ):
                rate = ingest_direct(kind, args.events if batch > 1 else args.events // 5, batch, snap)
                lines.append(f"| Center.ingest, {label} | {kind} | {rate:,.0f} |")
                print(lines[-1], flush=True)
            single, batched = ingest_http(kind, min(15.0, args.seconds / 4))
            lines.append(f"| HTTP POST /api/events, single events, 8 clients | {kind} | {single:,.0f} |")
            lines.append(f"| HTTP POST /api/events, 100 per request | {kind} | {batched:,.0f} |")
            print("\n".join(lines[-2:]), flush=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        run_center(Path(tmp), demo_cameras() + OTHER_SYSTEMS, workers=2) as center,
    ):
        time.sleep(10)  # cameras connect and models compile
        result = asyncio.run(console_load(center.base, args.clients, args.seconds, browser=False))
        with_browser = asyncio.run(
            console_load(center.base, args.clients, args.seconds, browser=Path("/usr/bin/chromium").exists())
        )
        health = center.login("admin").get("/api/cameras").json()
    polls, lat = result["polls"], with_browser["latency"]
    bpolls = with_browser["polls"]
    lines += [
        "",
        f"## Console load: {args.clients} clients for {args.seconds:g} s (target API p99 < 100 ms)",
        "",
        "Each client holds `/api/stream` (SSE) open and polls `/api/alerts?status=open&limit=50` and `/api/cameras`",
        "once a second; other systems post 10 events/s; the demo's 4 cameras run on the real clip in 2 workers.",
        f"Polls of the first {WARMUP_S:g} s (50 streams opening at once) are left out: {len(result['warmup'])} polls, "
        f"max {max(result['warmup'], default=0):.0f} ms.",
        "",
        "| polls | errors | p50 ms | p95 ms | p99 ms | max ms | SSE messages received |",
        "|---|---|---|---|---|---|---|",
        f"| {len(polls)} | {result['errors']} | {pct(polls, 0.5):.1f} | {pct(polls, 0.95):.1f} | {pct(polls, 0.99):.1f} | {max(polls):.1f} | {result['sse']:,} |",
        f"| {len(bpolls)} (second run, Chromium with the console open on the same 2 cores) | {with_browser['errors']} "
        f"| {pct(bpolls, 0.5):.1f} | {pct(bpolls, 0.95):.1f} | {pct(bpolls, 0.99):.1f} | {max(bpolls):.1f} | {with_browser['sse']:,} |",
        "",
        "Cameras during the load: "
        + ", ".join(
            f"{c['id']} {c['health']['status']} {c['health']['fps']} fps lag {c['health']['lag_s']} s"
            for c in health
        ),
        "",
        "## Event-to-console (target p99 < 1 s)",
        "",
        "From the decode of the frame that raised the event (worker) to the console's SSE handler in Chromium (its wall page",
        "open: 4 live views and the queue), during the second run above.",
        "",
        "| events | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        f"| {len(lat)} | {pct(lat, 0.5):.0f} | {pct(lat, 0.95):.0f} | {pct(lat, 0.99):.0f} | {max(lat, default=float('nan')):.0f} |"
        if lat
        else "| 0 | - | - | - | - |",
    ]
    print("\n".join(lines[-14:]))
    write_result("server", lines)


if __name__ == "__main__":
    main()
