"""Tamper rules on real PETS frames, perturbed at a known time (bench/tamper_harness.py)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from clips import Clip  # noqa: E402
from tamper_harness import PERTURBATIONS, run  # noqa: E402

from gwanje.analytics.tamper import TamperRules, layout_similarity  # noqa: E402
from gwanje.config import TamperConfig  # noqa: E402
from gwanje.domain import CameraStatus, EventType  # noqa: E402


@pytest.fixture(scope="module")
def pets(vtest_frames):
    """The first 100 PETS frames, played twice over as 40 s of 0.2 s steps."""
    images = [f.image for f in vtest_frames] * 2

    def frames():
        for i, img in enumerate(images):
            yield i * 0.2, img

    return Clip("pets", frames)


def test_untouched_clip_raises_nothing(pets):
    assert run(pets, None).other_alarms == []


@pytest.mark.parametrize(
    ("kind", "hold"),
    [
        ("covered", 2.0),
        ("defocus", 3.0),
        ("moved", 3.0),
        ("frozen", 5.0),
        ("brightness", 0.0),
        ("signal_lost", 5.0),
    ],
)
def test_each_kind_is_found_after_its_hold_time(pets, kind, hold):
    out = run(pets, kind, onset_s=15.0, length_s=15.0)
    assert out.delay_s is not None, out
    assert hold <= out.delay_s <= hold + 0.5


def test_events_have_start_and_end_and_rearm(vtest_frames):
    rules = TamperRules(TamperConfig(learn_s=2.0))
    imgs = [f.image for f in vtest_frames]
    black = np.zeros_like(imgs[0])
    hits = []
    t = 0.0
    for phase in (imgs[:40], [black] * 20, imgs[40:80], [black] * 20):
        for img in phase:
            hits += [h for h in rules.update(img, t) if h.details["kind"] == "covered"]
            t += 0.2
    assert [h.phase for h in hits] == ["start", "end", "start"]
    assert all(h.type == EventType.TAMPER for h in hits)
    assert hits[0].event_id == hits[1].event_id != hits[2].event_id
    assert hits[0].start_s == pytest.approx(8.0) and hits[1].end_s == pytest.approx(12.0)


def test_no_alarm_while_still_learning(vtest_frames):
    rules = TamperRules(TamperConfig(learn_s=5.0))
    black = np.zeros_like(vtest_frames[0].image)
    hits = [rules.update(vtest_frames[0].image, 0.0)]
    hits += [rules.update(black, 0.2 * (i + 1)) for i in range(10)]
    assert not any(h for h in hits if h and h[0].details["kind"] == "covered")


def test_a_view_held_long_enough_becomes_the_new_normal(vtest_frames):
    cfg = TamperConfig(learn_s=2.0, relearn_s=10.0, moved_s=1.0)
    rules = TamperRules(cfg)
    imgs = [f.image for f in vtest_frames]
    moved = PERTURBATIONS["moved"]
    t, kinds = 0.0, []
    for img in imgs[:20]:
        rules.update(img, t)
        t += 0.2
    for _ in range(3):  # 60 s of the moved view
        for img in imgs:
            kinds += [(h.phase, h.details["kind"]) for h in rules.update(moved(img, None), t)]
            t += 0.2
    assert kinds[0] == ("start", "moved")
    assert ("end", "moved") in kinds  # relearned: the alarm ends and does not come back
    assert kinds.count(("start", "moved")) == 1


def test_signal_lost_ends_when_the_source_is_back():
    rules = TamperRules(TamperConfig())
    hits = []
    for i in range(40):
        status = CameraStatus.RECONNECTING if i < 30 else CameraStatus.ONLINE
        hits += rules.on_source_state(status, i * 0.2)
    assert [(h.phase, h.details["kind"]) for h in hits] == [("start", "signal_lost"), ("end", "signal_lost")]


def test_layout_similarity_is_brightness_invariant(vtest_frames):
    from gwanje.analytics.tamper import frame_stats

    a = frame_stats(vtest_frames[0].image)[0].thumb
    darker = frame_stats((vtest_frames[0].image * 0.5).astype(np.uint8))[0].thumb
    assert layout_similarity(a, darker) > 0.95
    assert layout_similarity(a, np.zeros_like(a)) == 0.0
