"""Where the real data with ground truth lies (../shared/data beside the project, or
GWANJE_SHARED_DATA): read by the tests, never copied into the project."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(
    os.environ.get("GWANJE_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data")
)
