"""A shift on the demo center, as its people see it: the whole center (`gwanje demo`, 4 cameras on
the real clip) for 30 minutes of real time with an operator and a supervisor in headless Chromium.

    .venv/bin/python bench/console_day.py [--minutes 30] [--baseline-ref 3becc5c]

* The operator's console stays open on its wall; a scripted operator acts at human speed: every
  20 s it acknowledges one alert whose tile shows an acknowledge button (the first one).
* The supervisor signs in too and closes the tab after 5 minutes (what broke the walls before).
* Every half second the bench reads the walls (``/api/walls`` as the admin, who is never on duty)
  and the store (SQLite, read only).

Reported: raw hits, alerts opened (and re-raised), alerts needing action per operator per 10
minutes (target ≤ 2 on the demo), time from an alert opening to its camera on the operator's
wall (p50/p95), share of the time the operator's wall shows a camera while an alert is open
(target 100 %), escalations, and the queue's badge against the store's count of open alerts
(must match). With ``--baseline-ref`` the same run is made first on that commit of the project
(checked out in a temporary git worktree and run with its own code; there every event is what a
person handles). Writes bench/results/console_day.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import ROOT, write_result  # noqa: E402
from support.center_process import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ACT_EVERY_S = 20.0
SUPERVISOR_LEAVES_S = 300.0
SAMPLE_S = 0.5


@dataclass
class Run:
    label: str
    minutes: float
    alerts_model: bool  # the code groups hits into alerts (else every event is handled alone)
    samples: list[tuple[float, set[str], int]] = field(default_factory=list)  # (t, operator wall, open)
    actions: int = 0
    badge_checks: list[tuple[int, int]] = field(default_factory=list)  # (badge, store)
    page_errors: list[str] = field(default_factory=list)
    db: dict = field(default_factory=dict)


def _login(base: str, user: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30)
    r = c.post("/api/auth/login", json={"username": user, "password": f"gwanje-{user}"})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def _open_count(db: Path, alerts_model: bool) -> int:
    table = "alerts" if alerts_model else "events"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(
            f"SELECT count(*) FROM {table} WHERE status IN ('new', 'acknowledged', 'dispatched')"
        ).fetchone()[0]


async def _page(browser, base: str, user: str, errors: list[str]):
    page = await browser.new_page(viewport={"width": 1600, "height": 950}, locale="ko-KR")
    page.on("pageerror", lambda e: errors.append(f"{user}: {e}"))
    await page.goto(base + "/")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", f"gwanje-{user}")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#app:not([hidden])")
    return page


async def _shift(run: Run, base: str, db: Path) -> None:
    from playwright.async_api import async_playwright

    admin = _login(base, "admin")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        operator = await _page(browser, base, "operator", run.page_errors)
        supervisor = await _page(browser, base, "supervisor", run.page_errors)
        t0 = time.time()
        next_act = t0 + ACT_EVERY_S
        end = t0 + run.minutes * 60
        while time.time() < end:
            now = time.time()
            if supervisor is not None and now - t0 >= SUPERVISOR_LEAVES_S:
                await supervisor.close()
                supervisor = None
            try:
                walls = (await asyncio.to_thread(admin.get, "/api/walls")).json()["walls"]
                mine = next((w for w in walls if w["operator"] == "operator"), {"tiles": []})
                shown = {t["camera_id"] for t in mine["tiles"] if t}
                run.samples.append((now, shown, await asyncio.to_thread(_open_count, db, run.alerts_model)))
            except (httpx.HTTPError, sqlite3.Error) as exc:
                print("sample failed:", exc, flush=True)
            if now >= next_act:
                next_act += ACT_EVERY_S
                button = operator.locator("#wall [data-tile-act=ack]").first
                if await button.count():
                    try:
                        await button.click(timeout=3000)
                        run.actions += 1
                    except Exception as exc:  # the tile moved under the click: a real operator's miss too
                        print("action missed:", exc, flush=True)
            await asyncio.sleep(max(0.0, SAMPLE_S - (time.time() - now)))
        # the badge against the store, a few times (the stream's counts follow within a second)
        for _ in range(5):
            await asyncio.sleep(1.5)
            badge = int((await operator.inner_text("#queue-count")).strip() or 0)
            run.badge_checks.append((badge, await asyncio.to_thread(_open_count, db, run.alerts_model)))
        await operator.screenshot(path=str(ROOT / "test-artifacts" / f"console-day-{run.label}.png"))
        await browser.close()


def _read_store(run: Run, db: Path) -> None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        run.db["hits"] = q("SELECT count(*) FROM events")[0][0]
        if run.alerts_model:
            run.db["alerts"] = q("SELECT id, camera_id, received_at FROM alerts")
            run.db["reraised"] = q("SELECT count(*) FROM alert_actions WHERE action = 'reraise'")[0][0]
            run.db["recorded"] = q("SELECT count(*) FROM events WHERE alert_id IS NULL AND shelf_id IS NULL")[
                0
            ][0]
            run.db["escalations"] = q("SELECT count(*) FROM audit WHERE action = 'alert_escalate'")[0][0]
        else:
            run.db["alerts"] = q("SELECT id, camera_id, received_at FROM events")
            run.db["reraised"] = 0
            run.db["recorded"] = 0
            run.db["escalations"] = q("SELECT count(*) FROM audit WHERE action = 'event_escalate'")[0][0]
        run.db["audit"] = q("SELECT count(*) FROM audit")[0][0]
        run.db["acks"] = q(
            "SELECT count(*) FROM audit WHERE username = 'operator' AND action IN ('alert_acknowledge', 'event_acknowledge')"
        )[0][0]


def _start(code: Path, data: Path, port: int, python: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("GWANJE_DATABASE_URL", None)
    log = (data.parent / "server.log").open("wb")
    proc = subprocess.Popen(
        [python, "-m", "gwanje", "demo", "--data-dir", str(data), "--port", str(port)],
        cwd=code,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(
                f"the demo center exited: {(data.parent / 'server.log').read_text(errors='replace')}"
            )
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("the demo center did not answer within 120 s")


def shift(label: str, code: Path, minutes: float) -> Run:
    folder = Path(tempfile.mkdtemp(prefix=f"console-day-{label}-"))
    data = folder / "center"
    port = free_port()
    proc = _start(code, data, port, sys.executable)
    base = f"http://127.0.0.1:{port}"
    try:
        alerts_model = httpx.Client(base_url=base).get("/api/alerts/counts").status_code != 404
        run = Run(label, minutes, alerts_model)
        print(
            f"{label}: {minutes:g} min on {base} ({'alerts' if alerts_model else 'raw events'})", flush=True
        )
        asyncio.run(_shift(run, base, data / "gwanje.db"))
    finally:
        proc.send_signal(2)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    _read_store(run, data / "gwanje.db")
    shutil.rmtree(folder, ignore_errors=True)
    return run


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def summarise(run: Run) -> dict:
    t_start = run.samples[0][0]
    to_wall, never = [], 0
    for _, camera, received in run.db["alerts"]:
        at = datetime.fromisoformat(received).timestamp() if isinstance(received, str) else received
        if at < t_start:
            continue
        seen = next((t for t, shown, _ in run.samples if t >= at and camera in shown), None)
        if seen is None:
            never += 1
        else:
            to_wall.append(seen - at)
    open_samples = [(t, shown) for t, shown, n in run.samples if n > 0]
    covered = sum(1 for _, shown in open_samples if shown)
    opened = len(run.db["alerts"])
    needing = opened + run.db["reraised"]
    return {
        "hits": run.db["hits"],
        "recorded": run.db["recorded"],
        "opened": opened,
        "reraised": run.db["reraised"],
        "per10": needing / (run.minutes / 10),
        "p50": _p(to_wall, 0.5),
        "p95": _p(to_wall, 0.95),
        "never": never,
        "covered": covered / len(open_samples) if open_samples else 1.0,
        "open_time": len(open_samples) * SAMPLE_S / 60,
        "escalations": run.db["escalations"],
        "audit": run.db["audit"],
        "actions": run.actions,
        "acks": run.db["acks"],
        "badge": run.badge_checks,
        "errors": run.page_errors,
    }


def _fmt(v: float | None, unit: str = " s") -> str:
    return "—" if v is None else f"{v:.1f}{unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument(
        "--baseline-ref", default=None, help="a commit to run the same shift on first (raw events)"
    )
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("Debian's chromium is needed (make test installs it)")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    runs = []
    if args.baseline_ref:
        tree = Path(tempfile.mkdtemp(prefix="gwanje-baseline-")) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), args.baseline_ref], cwd=ROOT, check=True
        )
        try:
            runs.append((f"before ({args.baseline_ref}, raw events)", shift("before", tree, args.minutes)))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    runs.append(("now (alerts)", shift("now", ROOT, args.minutes)))
    results = [(label, summarise(r)) for label, r in runs]
    head = "| | " + " | ".join(label for label, _ in results) + " | target |"
    rows = [
        ("raw rule hits", lambda s: f"{s['hits']:,}", ""),
        ("  of them recorded only (below the alerting severity)", lambda s: f"{s['recorded']:,}", ""),
        ("alerts opened (what a person handles)", lambda s: f"{s['opened']:,}", ""),
        ("  re-raised", lambda s: f"{s['reraised']:,}", ""),
        ("**alerts needing action per operator per 10 min**", lambda s: f"**{s['per10']:.1f}**", "≤ 2"),
        (
            "alert opened → its camera on the operator's wall, p50 / p95",
            lambda s: f"{_fmt(s['p50'])} / {_fmt(s['p95'])}",
            "",
        ),
        ("alerts whose camera never reached the operator's wall", lambda s: f"{s['never']:,}", ""),
        (
            "**operator's wall shows a camera while an alert is open**",
            lambda s: f"**{s['covered']:.1%}** of {s['open_time']:.1f} min",
            "100 %",
        ),
        ("escalations", lambda s: f"{s['escalations']:,}", ""),
        ("audit rows in all", lambda s: f"{s['audit']:,}", ""),
        (
            "scripted operator's acknowledgements stored (clicks, one per 20 s at most)",
            lambda s: f"{s['acks']:,} ({s['actions']:,})",
            "",
        ),
        (
            "**queue badge = store's open count** (5 checks at the end)",
            lambda s: (
                f"**{sum(b == d for b, d in s['badge'])} of 5** ({', '.join(f'{b}/{d}' for b, d in s['badge'])})"
            ),
            "5 of 5",
        ),
        ("page errors in the two consoles", lambda s: f"{len(s['errors'])}", "0"),
    ]
    table = [head, "|---|" + "---|" * len(results) + "---|"]
    for name, fmt, target in rows:
        table.append(f"| {name} | " + " | ".join(fmt(s) for _, s in results) + f" | {target} |")
    lines = [
        "# A shift on the demo center (console_day)",
        "",
        f"`.venv/bin/python bench/console_day.py --minutes {args.minutes:g}"
        + (f" --baseline-ref {args.baseline_ref}`" if args.baseline_ref else "`")
        + f" ({datetime.now().date()}). {args.minutes:g} minutes of real time each: `gwanje demo` (4 cameras on the "
        "real clip, 2 workers, SQLite), the operator's and the supervisor's consoles in headless Chromium, the "
        "supervisor closing the tab after 5 minutes, a scripted operator acknowledging one alert from its wall "
        "every 20 s. How each figure is taken: the docstring of bench/console_day.py.",
        "",
        *table,
        "",
        "The center, both browsers and the bench share the machine's 2 cores.",
    ]
    for label, s in results:
        if s["errors"]:
            lines += ["", f"Page errors ({label}): " + "; ".join(s["errors"][:5])]
    write_result("console_day", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
