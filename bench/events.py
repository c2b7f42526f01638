"""Every analyzer's check in one run: bench/results/events.md, one row per check.

    .venv/bin/python bench/events.py            # all (about 30 min on 2 cores)
    .venv/bin/python bench/events.py fire fall  # some

Each check is its own script (bench/<name>.py, which also writes bench/results/<name>.md with the
details); this runs them one after the other and gathers their summary rows.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, Summary, write_result  # noqa: E402

CHECKS = [
    "zone_events",
    "mall_count",
    "crowd_density",
    "pets_ground",
    "abandoned",
    "fight",
    "fire",
    "smoke",
    "fall",
    "tamper",
    "vehicles",
]


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        raise SystemExit(f"unknown check(s) {unknown}; known: {', '.join(CHECKS)}")
    t0 = time.time()
    store = RESULTS / "events.json"
    mine: dict[str, list[str]] = {}
    for name in names or CHECKS:
        module = importlib.import_module(name)
        c0 = time.time()
        summaries: list[Summary] = (
            module.main([]) if name in ("zone_events", "crowd_density") else module.main()
        )
        mine[name] = [s.row() for s in summaries]
        print(f"{name}: {time.time() - c0:.0f} s", flush=True)
    # read only now: another run of some checks may have finished meanwhile
    rows: dict[str, list[str]] = json.loads(store.read_text()) if store.exists() else {}
    rows.update(mine)
    store.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    command = " ".join(["`.venv/bin/python bench/events.py", *names]) + "`"
    lines = [
        "# Events: every analyzer's check",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: {command} ({time.time() - t0:.0f} s) on 2 cores; rows of "
        "checks not run this time are kept from their last run (bench/results/events.json). Details, method "
        "and data sources: bench/results/<check>.md. Costs are per analysed frame of the whole pipeline "
        "where marked, else of the analyzer alone.",
        "",
        "| analyzer | dataset | metric | value | target | cost |",
        "|---|---|---|---|---|---|",
        *(r for name in CHECKS for r in rows.get(name, [])),
    ]
    write_result("events", lines)


if __name__ == "__main__":
    main(sys.argv[1:])
