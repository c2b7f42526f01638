"""Opening a video for reading: what every reader of files and streams shares.

Container metadata (a title, a camera's name) that is not UTF-8 must not stop a playable stream:
PyAV decodes metadata strictly by default and ``av.open`` then raises UnicodeDecodeError, so the
bytes that do not decode are dropped instead (the metadata is never used for analysis).
"""

from __future__ import annotations

from typing import Any

import av


def open_input(url: str, **options: Any) -> av.container.InputContainer:
    return av.open(url, metadata_errors="ignore", **options)
