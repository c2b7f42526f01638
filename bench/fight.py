"""Fight classification on fight_clips (75 fight, 75 no fight), 5-fold cross-validation.

    .venv/bin/python bench/fight.py

Each clip is sampled at 5 frames a second (the default analysis rate); gwanje.analytics.fight
turns each frame into flow-weighted YOLOv3-tiny features and the clip into their mean and spread.
A logistic regression is trained and tested by stratified 5-fold cross-validation, repeated with
three shuffles; its penalty is chosen inside each training fold (nested), so the test folds never
steer it. Then the model is trained on all 150 clips and saved as bench/.cache/fight_lr.npz,
the file a camera's ``fight.model_path`` names. Writes bench/results/fight.md.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import av
import numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, Summary, write_result  # noqa: E402

from gwanje.analytics.fight import MotionAppearance, save_model, window_vector  # noqa: E402

CLIPS = SHARED / "fight_clips"
MODEL_FILE = Path(__file__).resolve().parent / ".cache" / "fight_lr.npz"
FPS = 5.0
CS = [0.001, 0.003, 0.01, 0.03, 0.1]


def sampled(path: Path, fps: float = FPS):
    with av.open(str(path)) as container:
        due = 0.0
        for frame in container.decode(video=0):
            t = float(frame.pts * frame.time_base) if frame.pts is not None else due
            if t + 1e-6 >= due:
                due += 1 / fps
                yield frame.to_ndarray(format="bgr24")


def clip_vectors() -> tuple[np.ndarray, np.ndarray, list[str], float]:
    features = MotionAppearance()
    xs, ys, names, t0 = [], [], [], time.perf_counter()
    for label, folder in ((1, "fight"), (0, "noFight")):
        for path in sorted((CLIPS / folder).glob("*.mp4")):
            features.reset()
            frames = [v for v in (features(img) for img in sampled(path)) if v is not None]
            xs.append(window_vector(frames))
            ys.append(label)
            names.append(path.name)
    return np.stack(xs), np.asarray(ys), names, (time.perf_counter() - t0) / len(ys) * 1e3


def model():
    return make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=CS, cv=4, max_iter=5000))


def main() -> list[Summary]:
    warnings.filterwarnings("ignore", category=FutureWarning)
    t0 = time.time()
    x, y, names, ms = clip_vectors()
    rows, scores = [], []
    for seed in range(3):
        pred = np.zeros_like(y)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
            pred[test] = model().fit(x[train], y[train]).predict(x[test])
        p, r, f = precision_score(y, pred), recall_score(y, pred), f1_score(y, pred)
        scores.append((p, r, f))
        rows.append(
            f"| shuffle {seed} | {p:.3f} | {r:.3f} | {f:.3f} | {int(((pred == 1) & (y == 0)).sum())} |"
        )
        print(rows[-1], flush=True)
    mean = np.mean(scores, axis=0)
    final = model().fit(x, y)
    scaler, lr = final[0], final[1]
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    save_model(MODEL_FILE, scaler.mean_, scaler.scale_, lr.coef_[0], float(lr.intercept_[0]))
    lines = [
        "# Fight",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/fight.py` ({time.time() - t0:.0f} s). "
        "fight_clips (Akti et al., IPTA 2019; 75 fight, 75 no-fight surveillance clips of about 2 s). "
        "Method: per frame (5 a second), YOLOv3-tiny's 1024-channel 13x13 features weighted by the "
        "squared Farneback flow; per clip their mean and spread; a logistic regression (penalty chosen "
        "inside each training fold). Stratified 5-fold cross-validation, three shuffles. Target F1 ≥ 0.85.",
        "",
        f"**Mean of three shuffles: precision {mean[0]:.3f}, recall {mean[1]:.3f}, F1 {mean[2]:.3f}** "
        f"— {'meets' if mean[2] >= 0.85 else 'does not meet'} the target. Cost: {ms:.0f} ms per clip "
        f"(about {ms / 10:.0f} ms per analysed frame, flow and features).",
        "",
        "| split | precision | recall | F1 | no-fight clips called fights |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Tried and dropped (same protocol): flow statistics alone (magnitude, direction entropy, "
        "divergence, curl, violent-flows histogram, 4x6 cell statistics) F1 0.71-0.77; unweighted "
        "deep features 0.77; flow statistics added to the deep features 0.84; mirrored clips as extra "
        "training data 0.80-0.83.",
        "",
        "This classifier trained on all 150 clips is written to bench/.cache/fight_lr.npz (not committed: "
        "it is derived from the clips); `fight.model_path` takes it.",
    ]
    print("\n".join(lines))
    write_result("fight", lines)
    value = f"{mean[0]:.2f} / {mean[1]:.2f} / {mean[2]:.3f}"
    return [
        Summary(
            "fight", "fight_clips 75+75, 5-fold CV", "P / R / F1", value, "F1 ≥ 0.85", f"{ms:.0f} ms/clip"
        )
    ]


if __name__ == "__main__":
    main()
