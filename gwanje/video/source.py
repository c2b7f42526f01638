"""Camera video in, with PyAV: local files, RTSP (TCP or UDP transport), HTTP(S) MJPEG.

Packets are read (demuxed) and then decoded, so a recorder given to the source records the very
packets the analysis decodes: one connection per camera.

Frames are paced at the analysis rate from the stream's own timestamps. A live stream that
drops is reopened with capped exponential backoff; its state (online / reconnecting / offline,
measured fps, lag) is readable at any time from another thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import av

from gwanje.domain import CameraState, CameraStatus, Frame
from gwanje.video.opening import open_input

if TYPE_CHECKING:
    from gwanje.video.recorder import Recorder

log = logging.getLogger(__name__)

LIVE_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://")


class SourceError(RuntimeError):
    """A source that cannot be opened or read; the message says which and why, in one line."""


def redact(url: str) -> str:
    """The URL without its password and user (``rtsp://***@host/...``), for messages and logs."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def is_live(url: str) -> bool:
    return url.lower().startswith(LIVE_SCHEMES)


@dataclass
class Backoff:
    """Capped exponential backoff: initial, 2x initial, ... up to ``maximum``."""

    initial: float
    maximum: float
    attempt: int = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.initial * (2**self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


class Pacer:
    """Keeps one frame per analysis period, judged on stream time."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps
        self.next_due: float | None = None

    def take(self, t: float) -> bool:
        if self.next_due is None or t >= self.next_due - 1e-6:
            # a gap of more than two periods (a stall, a reconnect) restarts the schedule there
            base = t if self.next_due is None or t - self.next_due > 2 * self.period else self.next_due
            self.next_due = base + self.period
            return True
        return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class VideoSource:
    """Iterate ``frames()`` to get paced ``Frame`` values; read ``state`` from anywhere."""

    def __init__(
        self,
        camera_id: str,
        url: str,
        *,
        analysis_fps: float = 5.0,
        transport: str = "tcp",
        open_timeout_s: float = 10.0,
        reconnect_initial_s: float = 0.5,
        reconnect_max_s: float = 30.0,
        give_up_after_s: float | None = None,
        fail_on_first_open: bool = False,
        realtime: bool = False,
        loop: bool = False,
        start_at_s: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        recorder: Recorder | None = None,
    ) -> None:
        self.camera_id, self.url = camera_id, url
        self.shown = redact(url)  # what messages say: never the credentials
        self.live = is_live(url)
        self.analysis_fps = analysis_fps
        self.transport = transport
        self.open_timeout_s = open_timeout_s
        self.backoff = Backoff(reconnect_initial_s, reconnect_max_s)
        self.give_up_after_s = give_up_after_s
        self.fail_on_first_open = fail_on_first_open
        self.realtime, self.loop = realtime, loop
        self.start_at_s = start_at_s if not self.live else 0.0
        self.recorder = recorder  # gets every video packet as read (recording without a 2nd connection)
        self.dropped = 0  # frames skipped to catch up when analysis fell behind a live clock
        self._sleep = sleep
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._state = CameraState(camera_id, CameraStatus.CONNECTING)
        self._fps_window: list[float] = []
        self.duration_s: float | None = None
        self.frame_count: int | None = None
        self.source_fps: float | None = None
        if not self.live:
            path = Path(url)
            if not path.exists():
                raise SourceError(f"video file not found: {url}")
            if not path.is_file():
                raise SourceError(f"not a file: {url}")

    # -- state -------------------------------------------------------------------------------
    @property
    def state(self) -> CameraState:
        with self._lock:
            return self._state

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)

    def stop(self) -> None:
        self._stop.set()

    # -- opening -----------------------------------------------------------------------------
    def _open(self) -> av.container.InputContainer:
        options: dict[str, str] = {}
        lower = self.url.lower()
        if lower.startswith(("rtsp://", "rtsps://")):
            options["rtsp_transport"] = self.transport
            options["stimeout" if av.library_versions["libavformat"][0] < 59 else "timeout"] = str(
                int(self.open_timeout_s * 1e6)
            )
        fmt = "mpjpeg" if lower.startswith(("http://", "https://")) and _looks_mjpeg(lower) else None
        started = time.monotonic()
        try:
            container = open_input(
                self.url,
                format=fmt,
                options=options,
                timeout=(self.open_timeout_s, self.open_timeout_s),
            )
        except av.error.FileNotFoundError:
            raise SourceError(f"video not found: {self.shown}") from None
        except av.error.InvalidDataError:
            if self.live and time.monotonic() - started >= self.open_timeout_s * 0.9:
                raise SourceError(f"timed out after {self.open_timeout_s:g} s opening {self.shown}") from None
            what = "stream" if self.live else "video"
            raise SourceError(f"not a readable {what} (unknown or corrupt format): {self.shown}") from None
        except av.error.ExitError:
            raise SourceError(f"timed out after {self.open_timeout_s:g} s opening {self.shown}") from None
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceError(
                f"cannot open {self.shown}: {_describe(exc).replace(self.url, self.shown)}"
            ) from None
        if not container.streams.video:
            container.close()
            raise SourceError(f"no video stream in {self.shown}")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if stream.average_rate:
            self.source_fps = float(stream.average_rate)
        if not self.live:
            if stream.frames:
                self.frame_count = int(stream.frames)
            if container.duration:
                self.duration_s = container.duration / 1e6
        return container

    # -- reading -----------------------------------------------------------------------------
    def frames(self) -> Iterator[Frame]:
        """Paced frames until the file ends, ``stop()`` is called, or a live source gives up."""
        offset = 0.0  # stream time carried across reconnects and loops
        index = 0
        first_open = True
        outage_since: float | None = None
        pacer = Pacer(self.analysis_fps)
        first_pass = True
        while not self._stop.is_set():
            try:
                container = self._open()
            except SourceError as exc:
                if first_open and (self.fail_on_first_open or not self.live):
                    self._set(status=CameraStatus.OFFLINE, last_error=str(exc))
                    raise
                outage_since = outage_since or time.monotonic()
                if not self._wait_before_retry(str(exc), outage_since):
                    return
                continue
            if self.live and outage_since is not None:
                # live stream time keeps running through an outage: events after it keep real spacing
                offset += time.monotonic() - outage_since
            first_open = False
            outage_since = None
            self.backoff.reset()
            self._set(status=CameraStatus.ONLINE, last_error=None)
            last_t = offset
            try:
                skip = self.start_at_s if first_pass else 0.0
                first_pass = False
                for frame, t in self._decode(container, offset, skip):
                    last_t = t
                    if not pacer.take(t):
                        continue
                    if (self.live or self.realtime) and self.state.lag_s > max(1.0, 3 / self.analysis_fps):
                        self.dropped += 1  # behind the live clock: catch up instead of queueing
                        continue
                    image = frame.to_ndarray(format="bgr24")
                    self._count_frame()
                    yield Frame(self.camera_id, index, t, datetime.now(UTC), image)
                    index += 1
                    if self._stop.is_set():
                        break
                error = None
            except (av.error.FFmpegError, OSError) as exc:
                error = _describe(exc).replace(self.url, self.shown)
            finally:
                container.close()
            offset = last_t + 1.0 / (self.source_fps or self.analysis_fps)
            if self._stop.is_set():
                break
            if not self.live:
                if error is not None:
                    self._set(status=CameraStatus.OFFLINE, last_error=error)
                    raise SourceError(f"error reading {self.shown}: {error}")
                if self.loop:
                    continue
                self._set(status=CameraStatus.OFFLINE, last_error="end of file")
                return
            outage_since = time.monotonic()
            if not self._wait_before_retry(error or "stream ended", outage_since):
                return
        self._set(status=CameraStatus.OFFLINE)

    def _decode(
        self, container: av.container.InputContainer, offset: float, skip_s: float = 0.0
    ) -> Iterator[tuple]:
        """Decoded frames with their stream time; each packet goes to the recorder first, as read."""
        stream = container.streams.video[0]
        base: float | None = None
        started = time.monotonic()
        recorder = self.recorder
        if recorder is not None:
            recorder.opened(stream)
        try:
            for packet in container.demux(stream):
                decoded = packet.decode()  # before the recorder re-stamps the packet for its file
                when = packet.pts if packet.pts is not None else packet.dts
                if recorder is not None and when is not None and packet.time_base is not None:
                    if base is None:
                        base = float(when * packet.time_base)
                    t_pkt = float(when * packet.time_base) - base
                    if t_pkt >= skip_s:
                        dts = packet.dts if packet.dts is not None else when
                        recorder.packet(packet, offset + t_pkt, offset + float(dts * packet.time_base) - base)
                for frame in decoded:
                    if frame.time is None:
                        continue
                    if base is None:
                        base = frame.time
                    t_conn = frame.time - base
                    if t_conn < skip_s:  # a file started part-way: decode up to there without pacing
                        started = time.monotonic() - skip_s
                        continue
                    now = time.monotonic() - started
                    if self.realtime and t_conn > now:
                        self._sleep(t_conn - now)
                        now = t_conn
                    if self.live or self.realtime:
                        self._set(lag_s=max(0.0, now - t_conn))
                    yield frame, offset + t_conn
        finally:
            if recorder is not None:
                recorder.closed()

    def _count_frame(self) -> None:
        now = time.monotonic()
        win = self._fps_window
        win.append(now)
        while win and now - win[0] > 5.0:
            win.pop(0)
        fps = (len(win) - 1) / (win[-1] - win[0]) if len(win) > 1 and win[-1] > win[0] else 0.0
        with self._lock:
            self._state = replace(
                self._state, frames=self._state.frames + 1, measured_fps=fps, last_frame_at=datetime.now(UTC)
            )

    def _wait_before_retry(self, reason: str, outage_since: float) -> bool:
        """Mark the camera reconnecting (or offline when it gives up); False means stop."""
        down_for = time.monotonic() - outage_since
        if self.give_up_after_s is not None and down_for >= self.give_up_after_s:
            self._set(status=CameraStatus.OFFLINE, last_error=reason)
            log.warning("camera %s: giving up after %.1f s: %s", self.camera_id, down_for, reason)
            return False
        delay = self.backoff.next_delay()
        with self._lock:
            self._state = replace(
                self._state,
                status=CameraStatus.RECONNECTING,
                reconnects=self._state.reconnects + 1,
                last_error=reason,
                measured_fps=0.0,
            )
        log.warning("camera %s: %s; reconnecting in %.1f s", self.camera_id, reason, delay)
        return not self._stop.wait(delay)


def _looks_mjpeg(url: str) -> bool:
    path = url.split("?", 1)[0]
    return path.endswith((".mjpg", ".mjpeg", ".cgi")) or "mjpg" in path or "mjpeg" in path
