from __future__ import annotations

import os
from itertools import islice
from pathlib import Path

import pytest
from support.shared import SHARED

ROOT = Path(__file__).resolve().parent.parent
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
PETS_GT = SHARED / "pets09_s2l1" / "gt.txt"

os.environ.setdefault("GWANJE_INFERENCE_PRECISION", "f32")


@pytest.fixture(scope="session")
def vtest() -> Path:
    if not VTEST.exists():
        pytest.skip("vtest.avi missing: Debian package opencv-doc is not installed (make test installs it)")
    return VTEST


@pytest.fixture(scope="session")
def vtest_h264(vtest: Path, tmp_path_factory) -> Path:
    """vtest.avi as a real IP camera sends it (H.264, a keyframe a second), as the demo plays it."""
    from gwanje.video.transcode import h264_copy

    return h264_copy(vtest, tmp_path_factory.mktemp("media") / "vtest-h264.mp4")


@pytest.fixture(scope="session")
def pets_gt() -> Path:
    if not PETS_GT.exists():
        pytest.skip(f"{PETS_GT} missing: ../shared/data is not beside the project")
    return PETS_GT


@pytest.fixture(scope="session")
def vtest_frames(vtest: Path) -> list:
    """The first 100 frames of vtest.avi at its own 10 fps."""
    from gwanje.video.source import VideoSource

    frames = list(islice(VideoSource("pets", str(vtest), analysis_fps=10).frames(), 100))
    return frames


@pytest.fixture(scope="session")
def yolo():
    from gwanje.vision.detectors.darknet_yolo import DarknetYolo

    return DarknetYolo(input_width=768, input_height=576, classes=["person"], score_threshold=0.3)


@pytest.fixture(scope="session")
def shared():
    """``shared("crowd_mall")``: a folder of ../shared/data, or a skip naming what is missing."""

    def get(name: str) -> Path:
        path = SHARED / name
        if not path.exists():
            pytest.skip(f"{path} missing: ../shared/data is not beside the project")
        return path

    return get


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path: Path):
    """Each store and API test runs on embedded SQLite and on the PostgreSQL server."""
    from support.databases import database

    with database(request.param, tmp_path) as url:
        yield url


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001 - pytest's hook
    """The tests on the shared live center (a real server analysing the clip without pause) run
    last, together: started for them only, it does not take a core from every test after the
    first that needs it (it lives until the session ends)."""
    items.sort(key=lambda item: "live_center" in getattr(item, "fixturenames", ()))
