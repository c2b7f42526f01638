"""The API against hostile requests, on a real `gwanje serve`, per store (SQLite, PostgreSQL).

    .venv/bin/python bench/fuzz.py [--examples 20] [--phases coverage,fuzzing] [--stores sqlite,postgresql]

1. Schemathesis (its command line, as tests/web/test_openapi_contract.py runs it, with more
   phases and examples): every operation of the document the center gives its admin, every check
   but ``positive_data_acceptance`` (see that test's docstring). Counted from its HAR report:
   requests, answers 5xx; from its JSON report: failed checks by name (schema violations).
2. Hostile inputs (bench/fuzz_inputs.py): every body, query and path parameter of every
   operation, one place at a time, with lone surrogates, deep nesting, NaN and Infinity, huge
   numbers, NUL and control characters, bytes that are no UTF-8 and odd dates, as the admin.
   Counted per kind: requests, answers by class, 5xx, requests left unanswered.
3. The server's log afterwards: lines with ERROR or a traceback.

Writes bench/results/fuzz.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import ROOT, write_result  # noqa: E402
from fuzz_inputs import KINDS, Probe, probes  # noqa: E402
from support.center_process import PASSWORD, run_center  # noqa: E402
from support.databases import database  # noqa: E402

CAMERA = {
    "id": "cam-1",
    "name": "정문",
    "url": "/nonexistent/cam-1.mp4",
    "zones": [{"name": "lawn", "polygon": [[0, 0], [100, 0], [100, 100]], "rules": ["intrusion"]}],
}
SEED = 20261208
ST = Path(sys.executable).parent / "st"
ERROR_LINE = re.compile(r"\bERROR\b|Traceback \(most recent call last\)")
STREAMS = ("multipart/x-mixed-replace", "text/event-stream")
SKIP = {("post", "/api/auth/logout")}  # it would end the admin's session under the run


def schemathesis(base: str, schema: Path, folder: Path, phases: str, examples: int) -> dict:
    report = folder / "st-report"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "support.st_hooks",
        "PYTHONPATH": str(ROOT / "tests"),
        "GWANJE_CONTRACT_BASE": base,
        "GWANJE_CONTRACT_PASSWORD": PASSWORD,
    }
    cmd = [
        str(ST), "run", str(schema), "--url", base, "--checks", "all",
        "--exclude-checks", "positive_data_acceptance", "--phases", phases,
        "--max-examples", str(examples), "--seed", str(SEED), "--workers", "1",
        "--generation-database", "none", "--generation-with-security-parameters", "false",
        "--request-timeout", "5", "--no-color", "--report", "har,ndjson", "--report-har-path", str(report / "run.har"),
        "--report-ndjson-path", str(report / "run.ndjson"),
    ]  # fmt: skip
    report.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, cwd=folder, capture_output=True, text=True, timeout=3600)
    took = time.monotonic() - started
    if not (report / "run.har").is_file():
        raise RuntimeError("schemathesis wrote no report: " + (done.stdout + done.stderr)[-3000:])
    har = json.loads((report / "run.har").read_text(encoding="utf-8"))
    statuses = [e["response"]["status"] for e in har["log"]["entries"]]
    failed: Counter[str] = Counter()
    for line in (report / "run.ndjson").read_text(encoding="utf-8").splitlines():
        for name in re.findall(r'"failure_info":\s*\{[^{}]*?"title":\s*"([^"]+)"', line):
            failed[name] += 1
    summary = (done.stdout + done.stderr).strip().splitlines()
    return {
        "requests": len(statuses),
        "5xx": sum(1 for s in statuses if s >= 500),
        "failed": dict(failed),
        "exit": done.returncode,
        "took_s": took,
        "tail": summary[-25:],
        "warnings": [ln.strip() for ln in summary if "⚠️" in ln],
        "summary": next(
            (ln.strip("= ") for ln in reversed(summary) if re.search(r"\d+ (passed|failed)", ln)), "?"
        ),
    }


def _send(client: httpx.Client, probe: Probe, stream: bool) -> int | None:
    headers = {"content-type": probe.content_type} if probe.content_type else {}
    request = client.build_request(probe.method, probe.url, content=probe.body, headers=headers)
    # the raw query is sent as written (httpx would re-encode it)
    request.url = request.url.copy_with(raw_path=probe.url.encode("ascii"))
    try:
        response = client.send(request, stream=stream)
    except httpx.HTTPError:
        return None
    response.close()
    return response.status_code


def fixtures(client: httpx.Client) -> dict[str, str]:
    """Things for the path ids to name, so that hostile bodies reach the handlers (an id that
    names nothing is answered 404 before a handler looks at much)."""
    known = {"camera_id": "cam-1", "username": "kim", "form": "csv", "position": "0"}

    def made(key: str, method: str, path: str, body: dict, pick) -> None:  # noqa: ANN001
        r = client.request(method, path, json=body)
        if r.status_code < 300:
            known[key] = str(pick(r.json()))
        else:
            print(f"  (no {key}: {method} {path} → {r.status_code} {r.text[:120]})")

    camera = {**CAMERA, "location": {"lat": 37.15, "lon": 127.07}}
    client.put("/api/cameras/cam-1", json=camera).raise_for_status()  # incidents need a placed camera
    made("alert_id", "POST", "/api/events", {"camera_id": "cam-1", "type": "fire"}, lambda j: j["created"][0])
    alerts = client.get("/api/events", params={"limit": 1}).json()
    if alerts:
        known["event_id"] = alerts[0]["id"]
    made("incident_id", "POST", "/api/incidents", {"lat": 37.15, "lon": 127.07}, lambda j: j["id"])
    shelf = {"camera_id": "cam-1", "type": "fire", "hours": 1, "reason": "bench"}
    made("shelf_id", "POST", "/api/shelves", shelf, lambda j: j["id"])
    link = {"agency": "police", "cameras": ["cam-1"], "purpose": "bench", "username": "police"}
    link["alert_id"] = known.get("alert_id")
    made("link_id", "POST", "/api/live-links", link, lambda j: j["id"])
    made("key_id", "POST", "/api/exchange/keys", {"source": "bench", "scopes": ["alarms"]}, lambda j: j["id"])
    return known


def hostile(base: str, doc: dict) -> tuple[dict, list[str]]:
    streams = {
        (m, p)
        for p, item in doc["paths"].items()
        for m, op in item.items()
        if isinstance(op, dict)
        and any(t in STREAMS for t in op.get("responses", {}).get("200", {}).get("content", {}))
    }
    counts: dict[str, Counter] = defaultdict(Counter)
    worst: list[str] = []

    def login() -> httpx.Client:
        c = httpx.Client(base_url=base, timeout=10)
        r = c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
        return c

    client = login()
    known = fixtures(client)
    print(f"  path ids: {known}", flush=True)
    for n, probe in enumerate(probes(doc, SKIP, known)):
        stream = (probe.method.lower(), probe.path) in streams
        status = _send(client, probe, stream)
        if status == 401 and probe.path != "/api/auth/login":  # the run ended the session: again
            client.close()
            client = login()
            status = _send(client, probe, stream)
        c = counts[probe.kind]
        c["requests"] += 1
        if status is None:
            c["unanswered"] += 1
            worst.append(f"{probe.kind}: {probe.method} {probe.path} ({probe.where}) no answer")
        else:
            c[f"{status // 100}xx"] += 1
            if status < 300 and os.environ.get("GWANJE_FUZZ_SHOW_2XX"):
                print(
                    f"  2xx {probe.kind}: {probe.method} {probe.url[:90]} ({probe.where}) {(probe.body or b'')[:80]!r}"
                )
            if status >= 500:
                c["5xx"] += 1
                worst.append(f"{probe.kind}: {probe.method} {probe.path} ({probe.where}) → {status}")
        if n % 2000 == 0:
            print(f"  {n} hostile requests ...", flush=True)
    client.close()
    return counts, worst


def run_store(kind: str, phases: str, examples: int, skip_st: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        folder = Path(tmp)
        with run_center(folder / "center", [CAMERA], db_url=url, keep_events_days=3650) as center:
            admin = center.login("admin")
            doc = admin.get("/api/openapi.json").json()
            schema = folder / "openapi.json"
            schema.write_text(json.dumps(doc), encoding="utf-8")
            operations = sum(
                1
                for item in doc["paths"].values()
                for m in item
                if m in ("get", "post", "put", "patch", "delete")
            )
            print(f"{kind}: {operations} operations; hostile inputs ...", flush=True)
            started = time.monotonic()
            counts, worst = hostile(center.base, doc)
            hostile_s = time.monotonic() - started
            st = None
            if not skip_st:
                print(f"{kind}: schemathesis {phases}, {examples} examples ...", flush=True)
                st = schemathesis(center.base, schema, folder, phases, examples)
                print("\n".join(st["tail"]), flush=True)
        errors = [ln for ln in center.log.read_text(errors="replace").splitlines() if ERROR_LINE.search(ln)]
    return {
        "operations": operations,
        "hostile": counts,
        "hostile_s": hostile_s,
        "worst": worst,
        "st": st,
        "log_errors": errors,
    }


def report(results: dict[str, dict], phases: str, examples: int, command: str) -> list[str]:
    lines = [
        "# The API against hostile requests (bench/fuzz.py)",
        "",
        f"`{command}`: a real `gwanje serve` per store, as its admin. Target: 0 answers 5xx, 0 failed",
        "checks, 0 requests left unanswered, no ERROR in the server's log.",
        "",
        f"## Schemathesis ({phases}, {examples} examples per operation, seed {SEED})",
        "",
        "| store | operations | requests | 5xx | failed checks (schema violations and others) | exit | time |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for store, r in results.items():
        st = r["st"]
        if st is None:
            lines.append(f"| {store} | {r['operations']} | not run | | | | |")
            continue
        failed = ", ".join(f"{k} {v}" for k, v in sorted(st["failed"].items())) or "0"
        lines.append(
            f"| {store} | {r['operations']} | {st['requests']:,} | {st['5xx']} | {failed} | {st['exit']} | {st['took_s']:.0f} s |"
        )
        lines.append(f"|  | schemathesis says: {st['summary']} | | | | | |")
    for store, r in results.items():
        if r["st"] and r["st"]["warnings"]:
            lines.append("")
            lines.append(f"Schemathesis' warnings on {store} (they bound how deep its requests reach):")
            lines += [f"- {w.replace('⚠️', '').strip()}" for w in r["st"]["warnings"]]
    lines += [
        "",
        "## Hostile inputs in every body, query and path parameter (bench/fuzz_inputs.py)",
        "",
        "| kind | store | requests | 2xx | 4xx | 5xx | unanswered |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        for store, r in results.items():
            c = r["hostile"][kind]
            lines.append(
                f"| {kind} | {store} | {c['requests']:,} | {c['2xx']:,} | {c['4xx']:,} | {c['5xx']} | {c['unanswered']} |"
            )
    for store, r in results.items():
        total = sum(c["requests"] for c in r["hostile"].values())
        lines.append("")
        lines.append(
            f"{store}: {total:,} hostile requests in {r['hostile_s']:.0f} s; server log lines with ERROR or a "
            f"traceback: {len(r['log_errors'])}."
        )
        for w in r["worst"][:15]:
            lines.append(f"- {w}")
        for e in r["log_errors"][:10]:
            lines.append(f"- log: `{e[:200]}`")
    lines += [
        "",
        "2xx among hostile requests are places where the value is acceptable as written (a",
        "surrogate pair is a character, 1e308 is a finite number, an empty `q` is no filter, a",
        "PUT of a camera with a hostile text in a free-text field that only rejects control",
        "characters...), not errors.",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--phases", default="coverage,fuzzing")
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--skip-schemathesis", action="store_true")
    args = ap.parse_args()
    results = {
        kind: run_store(kind, args.phases, args.examples, args.skip_schemathesis)
        for kind in args.stores.split(",")
    }
    command = "python bench/fuzz.py " + " ".join(sys.argv[1:])
    write_result("fuzz", report(results, args.phases, args.examples, command.strip()))


if __name__ == "__main__":
    main()
