from pathlib import Path

import pytest

from gwanje.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent

GOOD = """
cameras:
  - id: cam1
    url: /tmp/x.avi
    zones:
      - name: a
        polygon: [[0, 0], [10, 0], [10, 10]]
"""


def test_sample_config_loads():
    site = load_config(ROOT / "configs" / "vtest.yaml")
    cam = site.camera(None)
    assert cam.id == "pets-walkway"
    assert {z.name for z in cam.zones} == {"lawn", "crossing"}
    assert cam.zones[1].loiter_seconds == 10
    assert cam.lines[0].name == "walkway-x380"


def test_defaults():
    cam = parse_config(GOOD).cameras[0]
    assert cam.analysis_fps == 5
    assert cam.detector.backend == "yolov3_tiny_coco"
    assert cam.zones[0].rules == ["intrusion"]
    assert cam.zones[0].loiter_seconds == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("url: /tmp/x.avi", "url: /tmp/x.avi\n    colour: red"),
            "cameras.0.colour (line 5): unknown key",
        ),
        (
            GOOD.replace("[[0, 0], [10, 0], [10, 10]]", "[[0, 0], [10, 0]]"),
            "cameras.0.zones.0.polygon (line 7)",
        ),
        (GOOD.replace("[[0, 0], [10, 0], [10, 10]]", "[[0, 0], [5, 5], [10, 10]]"), "zero area"),
        (
            GOOD.replace("[[0, 0], [10, 0], [10, 10]]", "[[0, 0], [10], [10, 10]]"),
            "cameras.0.zones.0.polygon.1",
        ),
        (
            GOOD.replace("name: a", "name: a\n        rules: [intrusion, dancing]"),
            "cameras.0.zones.0.rules.1",
        ),
        (GOOD + "    analysis_fps: -1\n", "cameras.0.analysis_fps"),
        ("cameras: [\n", "not valid YAML"),
        ("- 1\n- 2\n", "expected a mapping"),
    ],
)
def test_bad_config_names_the_key(text, expected):
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "site.yaml")
    assert expected in str(exc.value)
    assert str(exc.value).startswith("site.yaml: ")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_unknown_camera():
    with pytest.raises(ConfigError, match="no camera 'x'"):
        parse_config(GOOD).camera("x")


def test_recording_site_defaults_apply_to_cameras_without_their_own():
    text = """
recording:
  path: /srv/rec
  defaults: {mode: events, retention_days: 7}
cameras:
  - id: a
    url: /tmp/a.mp4
  - id: b
    url: /tmp/b.mp4
    recording: {segment_s: 6}
"""
    site = parse_config(text)
    a, b = site.cameras
    assert (a.recording.mode, a.recording.retention_days) == ("events", 7)
    assert (b.recording.mode, b.recording.segment_s, b.recording.retention_days) == ("continuous", 6, 30)
    assert str(site.recordings_path()) == "/srv/rec"
    assert parse_config(GOOD).recordings_path() == Path("gwanje-data") / "recordings"


@pytest.mark.parametrize(
    ("snippet", "key"),
    [
        ("recording: {mode: sometimes}", "mode"),
        ("recording: {segment_s: 0.5}", "segment_s"),
        ("recording: {retention_days: 0}", "retention_days"),
        ("recording: {pre_roll: 5}", "pre_roll"),
    ],
)
def test_bad_recording_settings_are_refused_naming_the_key(snippet, key):
    with pytest.raises(ConfigError, match=key):
        parse_config(GOOD.replace("url: /tmp/x.avi", "url: /tmp/x.avi\n    " + snippet))
