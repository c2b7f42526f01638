"""The shared shrunken copies: right scale, and camera threads never see each other's frames."""

from __future__ import annotations

import threading

import cv2
import numpy as np

from gwanje.vision.shrink import shrink


def test_copy_is_narrower_and_reused_for_the_same_frame() -> None:
    frame = np.full((576, 768, 3), 7, np.uint8)
    small, scale = shrink(frame, 320)
    assert small.shape[1] == 320 and abs(scale - 2.4) < 1e-9
    assert shrink(frame, 320)[0] is small  # the same frame: the same copy
    smaller, s2 = shrink(frame, 160)
    assert smaller.shape[1] == 160 and abs(s2 - 4.8) < 1e-9


def test_camera_threads_each_get_copies_of_their_own_frame() -> None:
    """A worker runs its cameras on threads: one camera's new frame must neither clear another's
    copies while it walks them (seen as 'dictionary changed size during iteration') nor hand it
    a copy of the wrong frame."""
    errors: list[str] = []
    start = threading.Barrier(4)

    def camera(value: int) -> None:
        start.wait()
        try:
            for _ in range(1500):
                frame = np.full((288, 384, 3), value, np.uint8)
                for width in (320, 160, 96, 64):
                    small, _ = shrink(frame, width, cv2.INTER_AREA)
                    if int(small[0, 0, 0]) != value:
                        errors.append(f"camera {value} got a copy of frame {int(small[0, 0, 0])}")
                        return
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=camera, args=(v,)) for v in (10, 60, 120, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
