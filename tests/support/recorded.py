"""Record a real clip into a center's volume as a camera worker would, without waiting for it
to play: the recorder's clock follows the stream's time from a chosen wall-clock start."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import av

from gwanje.domain import Segment
from gwanje.video.recorder import Recorder


def record_clip(
    path: Path, camera_id: str, volume: Path, start: datetime, seconds: float, segment_s: float = 4.0
):
    """The first ``seconds`` of ``path`` recorded as ``camera_id`` from ``start``; returns the segments."""
    segs: list[Segment] = []
    now = [start]
    rec = Recorder(camera_id, volume, segs.append, segment_s, clock=lambda: now[0])
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        rec.opened(stream)
        for packet in c.demux(stream):
            if packet.pts is None:
                continue
            t = float(packet.pts * stream.time_base)
            if t >= seconds:
                break
            dts_t = float(packet.dts * stream.time_base) if packet.dts is not None else t
            now[0] = start + timedelta(seconds=t)
            rec.packet(packet, t, dts_t)
        rec.closed()
    return segs
