"""Following people across cameras: what each camera records of its tracks (``track_records:``), its
neighbours on foot (``neighbours:``), and the site's follow and search settings (``follow:``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gwanje.config.base import Strict

Edge = Literal["left", "right", "top", "bottom"]
CameraId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class TrackRecordConfig(Strict):
    """A camera's track records: what it saw of each tracked person or vehicle, for the follow mode
    and the search in recordings (docs/follow.md)."""

    enabled: bool = True
    classes: list[str] = Field(
        default_factory=lambda: ["person", "car", "truck", "bus", "motorcycle", "bicycle"],
        description="Tracked classes that get records",
    )
    first_after_s: float = Field(
        1.5, ge=0, le=30, description="A track's first record once it has been seen this long"
    )
    every_s: float = Field(5.0, ge=1, le=300, description="Then one record per this long while it goes on")
    end_after_s: float = Field(
        3.0, gt=0, le=60, description="A track unseen this long has ended (its last record is sent)"
    )
    min_s: float = Field(0.6, ge=0, description="Tracks seen for less than this get no record")
    appearance: bool = Field(
        True, description="Appearance vectors (gwanje models import-reid); off: colours only"
    )
    crops_per_record: int = Field(2, ge=1, le=5, description="Crops averaged into one record's vector")
    edge_margin: float = Field(
        0.04, ge=0, le=0.2, description="A box this close to a side (share of the picture) touches it"
    )


class NeighbourConfig(Strict):
    """A camera a person walking out of this one may appear on next."""

    camera: CameraId
    walk_s: float = Field(..., gt=0, le=3600, description="Typical walking time between the two views")
    exit: Edge | None = Field(
        None,
        description="The side of this camera's picture that leads there; none: judged from the map "
        "positions and this camera's view bearing",
    )


class FollowConfig(Strict):
    """The follow mode and the search (site-wide)."""

    candidates: int = Field(5, ge=1, le=20, description="Candidates shown for the next step")
    window_min: float = Field(
        0.3, ge=0, le=1, description="Earliest plausible arrival, as a share of the walking time"
    )
    window_max: float = Field(2.5, ge=1, le=10, description="Latest, as a multiple of the walking time")
    window_slack_s: float = Field(10.0, ge=0, le=600, description="Added on both sides of the window")
    neighbours_on_wall: int = Field(
        3, ge=1, le=9, description="Neighbour cameras put on the operator's wall when the person leaves"
    )
    learned_days: float = Field(
        7.0, gt=0, le=90, description="Exits and entries of the last days that teach the learned topology"
    )
    learned_min_pairs: int = Field(
        3, ge=1, description="Co-occurring exits and entries before a learned link is shown"
    )
    search_limit: int = Field(200, ge=10, le=2000, description="Most records a search returns")
