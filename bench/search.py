"""Search over a million track records in PostgreSQL → bench/results/search.md.

1,000,000 track records are bulk-loaded (COPY) into the migrated schema of a throw-away PostgreSQL
database: 300 cameras over 7 days (about 1.7 records a second, a district of a city), 85 % people,
upper and lower colours drawn with the shares of a street (black 35 %, grey 12 %, white 10 % ...),
a 71-number appearance vector (float16, as stored) and a colour histogram each, a 10-point path.
Then the search the console calls (``gwanje.center.follow.search.TrackSearch.search``, the whole
path: filtering in SQL, ranking in NumPy, the audit row and the ledger row committed) is timed for
kinds of query an operator or an investigator asks, 40 of each with random cameras and times:

- colour, one hour, every camera; colour and direction, six hours, every camera;
- colour, upper and lower, one day, 20 cameras;
- "more like this", one hour, every camera; "more like this", one day, 20 cameras.

What serves the appearance query: the filters (time, cameras, class, colours: B-tree indexes on
(camera, time), (colour, time) and time) run in SQL first, then at most ``SCAN`` newest matching
records are fetched and their vectors compared exactly in NumPy. Target (issue 31): p95 ≤ 300 ms.
"""

from __future__ import annotations

import gc
import io
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from bench.common import RESULTS, machine  # noqa: E402
from gwanje.center.follow.search import SCAN, Like, Query, TrackSearch  # noqa: E402
from gwanje.config import CameraConfig  # noqa: E402
from gwanje.vision.colour_names import NAMES  # noqa: E402

ROWS = 1_000_000
CAMERAS = 300
DAYS = 7
DIMS = 71
MODEL = "mnv2-hsv-xqda-bench"
T0 = datetime(2026, 11, 30, tzinfo=UTC)
SHARES = {
    "black": 0.35,
    "grey": 0.12,
    "white": 0.10,
    "navy": 0.10,
    "blue": 0.10,
    "beige": 0.06,
    "brown": 0.05,
    "red": 0.05,
    "green": 0.03,
    "yellow": 0.02,
    "pink_purple": 0.02,
}
RUNS = 40


def load(url: str, rows: int) -> float:
    from gwanje.store.db import open_database

    db = open_database(url)
    raw = db.engine.raw_connection()
    rng = np.random.default_rng(0)
    colours = list(SHARES)
    p = np.array(list(SHARES.values()))
    p = p / p.sum()
    t0 = time.perf_counter()
    cur = raw.cursor()
    cols = (
        "id, camera_id, track_id, part, final, class_name, started_at, ended_at, track_started_at, frame_w, "
        "frame_h, path, entry_edge, exit_edge, heading_deg, box_w, box_h, upper_colour, lower_colour, "
        "colour_hist, appearance, appearance_model, crop_path, crop_at, received_at"
    )
    span = DAYS * 86400
    with cur.copy(f"COPY track_records ({cols}) FROM STDIN") as copy:
        for start in range(0, rows, 50_000):
            n = min(50_000, rows - start)
            cams = rng.integers(0, CAMERAS, n)
            at = rng.uniform(0, span, n)
            dur = rng.uniform(1, 6, n)
            people = rng.random(n) < 0.85
            upper = rng.choice(len(colours), n, p=p)
            lower = rng.choice(len(colours), n, p=p)
            heading = rng.uniform(0, 360, n)
            vectors = rng.normal(0, 1, (n, DIMS)).astype(np.float16)
            buf = io.StringIO()
            for k in range(n):
                s = T0 + timedelta(seconds=float(at[k]))
                e = s + timedelta(seconds=float(dur[k]))
                hist = np.zeros(2 * len(NAMES), np.uint8)
                hist[NAMES.index(colours[upper[k]])] = 180
                hist[len(NAMES) + NAMES.index(colours[lower[k]])] = 170
                person = bool(people[k])
                rid = f"cam-{cams[k]:03d}:{start + k}:{k % 97}:0"
                buf.write(
                    "\t".join(
                        [
                            rid,
                            f"cam-{cams[k]:03d}",
                            str(k % 97),
                            "0",
                            "t" if k % 3 == 0 else "f",
                            "person" if person else "car",
                            s.isoformat(),
                            e.isoformat(),
                            s.isoformat(),
                            "768",
                            "576",
                            "[" + ",".join(f"[{i * 0.5},{300 + i},{400 - i}]" for i in range(10)) + "]",
                            "left",
                            "right" if k % 3 == 0 else "\\N",
                            f"{heading[k]:.1f}",
                            "40",
                            "100",
                            colours[upper[k]],
                            colours[lower[k]] if person else "\\N",
                            "\\\\x" + hist.tobytes().hex(),
                            ("\\\\x" + vectors[k].tobytes().hex()) if person else "\\N",
                            MODEL if person else "\\N",
                            f"cam-{cams[k]:03d}/{s:%Y-%m-%d}/{rid.replace(':', '_')}.jpg",
                            s.isoformat(),
                            e.isoformat(),
                        ]
                    )
                    + "\n"
                )
            copy.write(buf.getvalue())
            print(f"loaded {start + n:,}", flush=True)
    raw.commit()
    load_s = time.perf_counter() - t0
    pg = raw.driver_connection
    pg.autocommit = True
    pg.execute("VACUUM (ANALYZE) track_records")
    raw.close()
    db.close()
    return load_s


def main() -> None:
    from support.databases import postgres_database

    from gwanje.store.db import open_database

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    with postgres_database() as url:
        load_s = load(url, rows)
        db = open_database(url)
        with db.engine.connect() as c:
            from sqlalchemy import text

            size = c.execute(text("SELECT pg_total_relation_size('track_records')")).scalar()
            heap = c.execute(text("SELECT pg_relation_size('track_records')")).scalar()
        search = TrackSearch(db, (4.0, -0.5))
        rng = random.Random(1)
        cameras = {
            f"cam-{c:03d}": CameraConfig(id=f"cam-{c:03d}", url="rtsp://camera.invalid/")
            for c in range(CAMERAS)
        }

        def window(hours: float) -> tuple[datetime, datetime]:
            start = T0 + timedelta(seconds=rng.uniform(0, DAYS * 86400 - hours * 3600))
            return start, start + timedelta(hours=hours)

        def some(n: int) -> tuple[str, ...]:
            return tuple(f"cam-{c:03d}" for c in rng.sample(range(CAMERAS), n))

        def colour() -> str:
            return rng.choice(["red", "blue", "black", "white", "yellow", "green"])

        def like() -> Like:
            return Like(
                np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1, DIMS).astype(np.float32),
                MODEL,
                "bench",
            )

        kinds = {
            "colour, 1 h, every camera": lambda: Query(*window(1), "bench", upper=(colour(),)),
            "colour + direction, 6 h, every camera": lambda: Query(
                *window(6), "bench", upper=(colour(),), directions=("left",)
            ),
            "upper + lower colour, 1 day, 20 cameras": lambda: Query(
                *window(24), "bench", cameras=some(20), upper=(colour(),), lower=("blue", "navy")
            ),
            "more like this, 1 h, every camera": lambda: Query(*window(1), "bench", like=like()),
            "more like this, 1 day, 20 cameras": lambda: Query(
                *window(24), "bench", cameras=some(20), like=like()
            ),
        }
        gc.collect()
        gc.freeze()
        out = []
        for name, make in kinds.items():
            times, scanned, found = [], [], []
            for i in range(RUNS + 3):
                q = make()
                t0 = time.perf_counter()
                r = search.search(q, cameras, "bench", None)
                if i >= 3:  # the first few warm the caches
                    times.append((time.perf_counter() - t0) * 1e3)
                    scanned.append(r["scanned"])
                    found.append(len(r["results"]))
            out.append(
                (
                    name,
                    np.percentile(times, 50),
                    np.percentile(times, 95),
                    np.mean(scanned),
                    np.mean(found),
                    max(scanned),
                )
            )
            print(name, out[-1], flush=True)
        db.close()
    write(out, rows, load_s, size, heap)


def write(out, rows, load_s, size, heap) -> None:  # noqa: ANN001
    lines = [
        "# Search over a million track records (PostgreSQL)",
        "",
        f"Measured {date.today()}: `.venv/bin/python bench/search.py` on {machine()}, PostgreSQL 15 on the "
        f"same machine (127.0.0.1). {rows:,} records loaded with COPY in {load_s:.0f} s; the table with its "
        f"indexes {size / 1e9:.2f} GB ({heap / rows:.0f} bytes a row in the heap, crops are files). Protocol: "
        "the script's docstring. Every search includes its audit and ledger rows, committed.",
        "",
        "| query | p50 ms | p95 ms | records ranked (mean; max) | results (mean) |",
        "|---|---|---|---|---|",
        *[
            f"| {n} | {p50:.0f} | **{p95:.0f}** | {sc:,.0f}; {mx:,} | {fo:.0f} |"
            for n, p50, p95, sc, fo, mx in out
        ],
        "",
        f"Target: p95 ≤ 300 ms. What serves it: SQL filters on indexed time, camera and colour, then an exact "
        f"scan of at most {SCAN:,} vectors in NumPy (no approximate index: at this size the exact scan meets "
        "the figure, and a filtered exact scan never misses a match the filters let through). A query that "
        f"matches more than {SCAN:,} records ranks the newest {SCAN:,} and says so (the console asks to narrow "
        "it). Vectors and colours here are random, not from footage: the timings depend on how many records "
        "pass the filters, which the colour shares and spread of times set as on a street.",
        "",
    ]
    path = RESULTS / "search.md"
    path.write_text("\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
