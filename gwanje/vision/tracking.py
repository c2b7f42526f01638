"""Multi-object tracking with supervision's ByteTrack: stable ids across frames."""

from __future__ import annotations

import supervision as sv

from gwanje.config import TrackerConfig


class Tracker:
    """ByteTrack over the analysed frames; returns new ``Detections`` carrying ``tracker_id``."""

    def __init__(self, config: TrackerConfig, fps: float) -> None:
        self.config, self.fps = config, fps
        self._bt = sv.ByteTrack(
            track_activation_threshold=config.activation_threshold,
            lost_track_buffer=max(1, round(config.lost_seconds * fps)),
            minimum_matching_threshold=config.matching_threshold,
            frame_rate=max(1, round(fps)),
            minimum_consecutive_frames=config.min_consecutive_frames,
        )

    def update(self, detections: sv.Detections) -> sv.Detections:
        # ByteTrack writes onto the object it is given: hand it a copy so the caller's stays intact
        return self._bt.update_with_detections(detections[:])

    @property
    def has_active_tracks(self) -> bool:
        return bool(self._bt.tracked_tracks)

    def reset(self) -> None:
        self._bt.reset()
