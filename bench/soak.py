"""Soak: the demo center (`gwanje demo`, four cameras on the real clip, SQLite) left running in real
time with an operator's console on it, to see that nothing grows or breaks over an hour.

    .venv/bin/python bench/soak.py [--minutes 60] [--sample-s 30]

The center is the `gwanje demo` command itself, in its own process on a free port with a fresh
data folder. One operator console drives it the way a person at a desk does: the SSE stream held
open, the open-alert queue polled every 2 s and the camera list every 10 s, and once a minute a
live view watched for 5 s, one alert's snapshot opened, the oldest open alert acknowledged then
resolved. Every ``--sample-s`` seconds: the resident memory (RSS) of the server and of each
camera worker (by their process ids; a worker that restarts is reported), hits, alerts,
recorded segments, snapshot and recording bytes, and the ERROR/Traceback lines in the server's
log. Pass: every process's RSS at the end (mean of its last three samples) is at most 5 % above
its RSS at minute 10 (mean of the three samples from 10 min on), and no error lines in the log.
Writes bench/results/soak.md and bench/results/soak.json (every sample).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, VTEST, write_result  # noqa: E402

GWANJE = [sys.executable, "-m", "gwanje"]
OPERATOR = ("operator", "gwanje-operator")  # the demo's own account (gwanje/cli/center.py)
SETTLE_S = 600.0  # growth is measured from minute 10: caches, pools and the first alerts settle first
GROWTH_LIMIT = 0.05
ERROR_LINE = re.compile(r"\bERROR\b|Traceback \(most recent call last\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def folder_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a segment renamed or a snapshot removed while walking
                total += os.stat(os.path.join(root, name)).st_size
    return total


@dataclass
class Console:
    """One operator at a desk: counts what it did and every server error it got."""

    base: str
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    sse_messages: int = 0
    live_bytes: int = 0
    handled: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def login(self) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=30)
        r = c.post("/api/auth/login", json={"username": OPERATOR[0], "password": OPERATOR[1]})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
        return c

    def _check(self, r: httpx.Response) -> httpx.Response:
        self.requests += 1
        if r.status_code >= 500:
            self.server_errors.append(f"{r.request.method} {r.request.url.path} -> {r.status_code}")
        return r

    def stream(self, client: httpx.Client) -> None:
        while not self.stop.is_set():
            try:
                with client.stream("GET", "/api/stream", timeout=httpx.Timeout(30, read=60)) as r:
                    self._check(r)
                    for line in r.iter_lines():
                        if line.startswith("data:"):
                            self.sse_messages += 1
                        if self.stop.is_set():
                            return
            except httpx.HTTPError:
                time.sleep(1)  # the stream is reopened, as the console's EventSource does

    def every_minute(self, client: httpx.Client, minute: int) -> None:
        cams = self._check(client.get("/api/cameras")).json()
        if cams:
            cam = cams[minute % len(cams)]["id"]
            t_end = time.monotonic() + 5
            with client.stream("GET", f"/api/cameras/{cam}/live.mjpg") as r:
                self._check(r)
                for chunk in r.iter_bytes():
                    self.live_bytes += len(chunk)
                    if time.monotonic() > t_end:
                        break
        page = self._check(client.get("/api/alerts", params={"status": "open", "order": "latest"})).json()
        if page["items"]:
            self._check(client.get(f"/api/alerts/{page['items'][0]['id']}/snapshot"))
        oldest = self._check(client.get("/api/alerts", params={"status": "new", "limit": 1})).json()
        for alert in oldest["items"]:
            note = {"note": "현장 확인, 이상 없음 (soak)"}
            if self._check(client.post(f"/api/alerts/{alert['id']}/acknowledge", json={})).status_code == 200:
                r = self._check(client.post(f"/api/alerts/{alert['id']}/resolve", json=note))
                self.handled += r.status_code == 200

    def run(self) -> None:
        client = self.login()
        threading.Thread(target=self.stream, args=(self.login(),), daemon=True).start()
        t0 = time.monotonic()
        minute = -1
        tick = 0
        while not self.stop.wait(2.0):
            try:
                self._check(client.get("/api/alerts", params={"status": "open", "limit": 50}))
                if tick % 5 == 0:
                    self._check(client.get("/api/cameras"))
                now_minute = int((time.monotonic() - t0) // 60)
                if now_minute != minute:
                    minute = now_minute
                    self.every_minute(client, minute)
            except httpx.HTTPError as exc:
                self.server_errors.append(f"request failed: {exc!r}")
            tick += 1


def processes(server: psutil.Process) -> dict[str, psutil.Process]:
    """The server and its camera workers by name (a worker is a spawned multiprocessing child)."""
    out = {"server": server}
    workers = [
        p
        for p in server.children(recursive=True)
        if "multiprocessing.spawn" in " ".join(p.cmdline())
        and "resource_tracker" not in " ".join(p.cmdline())
    ]
    for i, p in enumerate(sorted(workers, key=lambda p: p.create_time())):
        out[f"worker-{i}"] = p
    return out


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
            for t in ("events", "alerts", "segments", "audit")
        }
    finally:
        con.close()


def error_lines(log: Path) -> list[str]:
    return [ln for ln in log.read_text(errors="replace").splitlines() if ERROR_LINE.search(ln)]


def sample(t: float, procs: dict[str, psutil.Process], data: Path, log: Path) -> dict:
    row: dict = {"t_s": round(t, 1), "rss_mb": {}, "pid": {}}
    for name, p in procs.items():
        try:
            row["rss_mb"][name] = round(p.memory_info().rss / 2**20, 1)
            row["pid"][name] = p.pid
        except psutil.Error:
            row["rss_mb"][name] = None
    row.update(counts(data / "gwanje.db"))
    row["snapshot_bytes"] = folder_bytes(data / "snapshots")
    row["recording_bytes"] = folder_bytes(data / "recordings")
    row["data_bytes"] = folder_bytes(data)
    row["log_errors"] = len(error_lines(log))
    return row


def growth(samples: list[dict], name: str) -> tuple[float, float, float] | None:
    """RSS at minute 10 and at the end (means of three samples) and the relative growth."""
    settled = [s["rss_mb"].get(name) for s in samples if s["t_s"] >= SETTLE_S][:3]
    end = [s["rss_mb"].get(name) for s in samples[-3:]]
    if len(settled) < 3 or None in settled or None in end:
        return None
    a, b = sum(settled) / 3, sum(end) / 3
    return a, b, (b - a) / a


def slope_mb_per_h(samples: list[dict], name: str) -> float | None:
    """Least-squares RSS slope from minute 10 on (MiB per hour): a slow leak the 5 % test misses."""
    points = [(s["t_s"] / 3600, s["rss_mb"].get(name)) for s in samples if s["t_s"] >= SETTLE_S]
    points = [(t, v) for t, v in points if v is not None]
    if len(points) < 3:
        return None
    mt = sum(t for t, _ in points) / len(points)
    mv = sum(v for _, v in points) / len(points)
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (v - mv) for t, v in points) / den if den else None


def report(
    samples: list[dict], console: Console, errors: list[str], minutes: float, restarts: list[str]
) -> list[str]:
    first, last = samples[0], samples[-1]
    hours = (last["t_s"] - first["t_s"]) / 3600 or float("nan")
    lines = [
        "# Soak: the demo center for an hour, in real time",
        "",
        f"`.venv/bin/python bench/soak.py --minutes {minutes:g}`, {datetime.now(UTC):%Y-%m-%d}. "
        f"`gwanje demo` (4 cameras on {VTEST.name}, "
        "looped, 3 analysed frames/s each, continuous recording, SQLite) with one operator console "
        "(SSE held open, queue polled every 2 s, a live view, a snapshot and one alert handled a minute).",
        "",
        "## Memory (RSS, MiB)",
        "",
        f"Growth is from minute 10 (mean of three samples) to the end (mean of the last three); limit {GROWTH_LIMIT:.0%}.",
        "",
        "| process | start | minute 10 | end | max | growth | within limit | slope from minute 10 |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    verdicts = []
    for name in first["rss_mb"]:
        values = [s["rss_mb"].get(name) for s in samples if s["rss_mb"].get(name) is not None]
        g = growth(samples, name)
        if g is None:
            lines.append(f"| {name} | {values[0] if values else '-'} | - | - | - | - | no full series | - |")
            verdicts.append(False)
            continue
        ok = g[2] <= GROWTH_LIMIT
        verdicts.append(ok)
        slope = slope_mb_per_h(samples, name) or 0.0
        lines.append(
            f"| {name} | {values[0]:.0f} | {g[0]:.0f} | {g[1]:.0f} | {max(values):.0f} | {g[2]:+.1%} "
            f"| {'yes' if ok else '**no**'} | {slope:+.1f} MiB/h |"
        )
    lines += [
        "",
        "## Errors",
        "",
        f"- ERROR or Traceback lines in the server log: **{len(errors)}**",
        f"- server errors (5xx or failed requests) seen by the console: **{len(console.server_errors)}** "
        f"of {console.requests} requests",
        f"- worker restarts: {len(restarts)}" + (f" ({'; '.join(restarts)})" if restarts else ""),
    ]
    lines += [f"  - `{e[:200]}`" for e in (errors + console.server_errors)[:10]]
    per_h = {k: (last[k] - first[k]) / hours for k in ("events", "alerts", "segments", "audit")}
    lines += [
        "",
        "## Per hour",
        "",
        "| | total at the end | per hour |",
        "|---|---:|---:|",
        f"| hits (events) | {last['events']} | {per_h['events']:.0f} |",
        f"| alerts | {last['alerts']} | {per_h['alerts']:.0f} |",
        f"| recorded segments | {last['segments']} | {per_h['segments']:.0f} |",
        f"| audit rows | {last['audit']} | {per_h['audit']:.0f} |",
        f"| snapshots (MB) | {last['snapshot_bytes'] / 1e6:.0f} | {(last['snapshot_bytes'] - first['snapshot_bytes']) / 1e6 / hours:.0f} |",
        f"| recordings (MB) | {last['recording_bytes'] / 1e6:.0f} | {(last['recording_bytes'] - first['recording_bytes']) / 1e6 / hours:.0f} |",
        f"| whole data folder (MB) | {last['data_bytes'] / 1e6:.0f} | {(last['data_bytes'] - first['data_bytes']) / 1e6 / hours:.0f} |",
        "",
        f"The console handled {console.handled} alerts (acknowledge then resolve), received "
        f"{console.sse_messages} SSE messages and {console.live_bytes / 1e6:.0f} MB of live MJPEG.",
        "",
        f"**Verdict: {'pass' if all(verdicts) and not errors and not console.server_errors else 'FAIL'}** "
        f"({sum(verdicts)} of {len(verdicts)} processes within the growth limit, {len(errors)} log errors).",
        "",
        "Every sample is in `bench/results/soak.json`.",
    ]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--sample-s", type=float, default=30.0)
    ap.add_argument("--keep", type=Path, help="data folder to keep (default: a temporary one)")
    ap.add_argument("--render", action="store_true", help="only write soak.md again from soak.json")
    args = ap.parse_args()
    if args.render:
        render(json.loads((RESULTS / "soak.json").read_text(encoding="utf-8")))
        return 0
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops it even when started with `&`
    if not VTEST.is_file():
        print(
            f"soak: the demo clip is missing: {VTEST} (bash scripts/debian-packages.sh demo)", file=sys.stderr
        )
        return 2
    tmp = tempfile.TemporaryDirectory(prefix="gwanje-soak-")
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    data, log = folder / "center", folder / "server.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "GWANJE_DATABASE_URL"}
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [*GWANJE, "demo", "--data-dir", str(data), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    console = Console(base)
    samples: list[dict] = []
    restarts: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"soak: the demo exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("soak: the demo did not answer within 180 s")
            time.sleep(1)
        server = psutil.Process(proc.pid)
        time.sleep(10)  # the workers are spawned after the server answers
        procs = processes(server)
        threading.Thread(target=console.run, daemon=True).start()
        t0 = time.monotonic()
        total = args.minutes * 60
        while True:
            t = time.monotonic() - t0
            now = processes(server)
            for name, p in now.items():
                if name in procs and procs[name].pid != p.pid:
                    restarts.append(f"{name} pid {procs[name].pid} -> {p.pid} at {t / 60:.1f} min")
            procs = now
            row = sample(t, procs, data, log)
            samples.append(row)
            rss = ", ".join(f"{k} {v}" for k, v in row["rss_mb"].items())
            print(
                f"[{t / 60:5.1f} min] RSS MiB: {rss}; hits {row['events']}, errors {row['log_errors']}",
                flush=True,
            )
            if t >= total:
                break
            time.sleep(max(0.0, min(args.sample_s, total - t)))
    finally:
        console.stop.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
    run = {
        "minutes": args.minutes,
        "samples": samples,
        "errors": error_lines(log),
        "restarts": restarts,
        "console": {
            k: getattr(console, k)
            for k in ("requests", "server_errors", "sse_messages", "live_bytes", "handled")
        },
    }
    (RESULTS / "soak.json").write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    render(run)
    return 0


def render(run: dict) -> None:
    console = Console("", **run["console"])
    lines = report(run["samples"], console, run["errors"], run["minutes"], run["restarts"])
    if run.get("conditions"):
        lines += ["", f"Conditions: {run['conditions']}"]
    write_result("soak", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
