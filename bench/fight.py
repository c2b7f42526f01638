"""Fight classification on fight_clips (75 fight, 75 no fight), nested 5-fold cross-validation with
folds grouped by source (bench/clip_groups.py recovers the sources from the clips' first frames).

    .venv/bin/python bench/fight.py

Each clip is sampled at 5 frames a second (the default analysis rate); gwanje.analytics.fight
turns each frame into flow-weighted YOLOv3-tiny features and the clip into one window vector.
The analyzer's design (DESIGN): the deepest 13x13 layer with the 26x26 head's convolution,
unit-length frame vectors per layer with their mean, spread and frame-to-frame change
(``mean_std_change``), an RBF support-vector machine with a Platt sigmoid. Headline: stratified
5-fold cross-validation grouped by source (a source's clips all in one fold), repeated with five
shuffles; the same with random folds is reported beside it, labelled as leaking. Inside each
outer training fold a 4-fold cross-validation (grouped the same way) picks the penalty, so the
test folds never steer it. A clip is called a fight when the probability is at least 0.5, as the
analyzer does.
The design itself was chosen by comparing candidates on these same clips, so the headline is
somewhat optimistic. Two checks say by how much: (1) the full search nested, where the inner
loop also picks the layers (13x13 alone or with 26x26), the window vector (``mean_std`` or
``mean_std_change``) and the classifier (logistic regression or SVM), three shuffles; (2) the
flat cross-validation of each candidate at its best penalty. Then the penalty is picked on all
150 clips and the model is saved as bench/.cache/fight_model.npz, the file a camera's
``fight.model_path`` names. Writes bench/results/fight.md.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import av
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clip_groups import describe, source_groups  # noqa: E402
from common import SHARED, Summary, write_result  # noqa: E402

from gwanje.analytics.fight import (  # noqa: E402
    FEATURES,
    LAYERS,
    FightModel,
    MotionAppearance,
    save_model,
    save_svm,
    window_vector,
)

CLIPS = SHARED / "fight_clips"
MODEL_FILE = Path(__file__).resolve().parent / ".cache" / "fight_model.npz"
FPS = 5.0
GRID = {"logistic": [0.001, 0.003, 0.01, 0.03, 0.1], "svm": [1.0, 3.0, 10.0, 30.0]}
LAYER_SETS = ((12,), (12, 21))  # the layers of yolov3-tiny.cfg the frame vectors are made of
DESIGN = ("mean_std_change", (12, 21), "svm")  # the analyzer's window vector, layers, classifier
READ = tuple(sorted({n for layers in LAYER_SETS for n in layers}))  # the layers read, in this order
Candidate = tuple[str, tuple[int, ...], str, float]  # window vector, layers, classifier, penalty
Inputs = dict[tuple[str, tuple[int, ...]], np.ndarray]  # clip vectors by window vector and layers


def sampled(path: Path, fps: float = FPS):
    with av.open(str(path)) as container:
        due = 0.0
        for frame in container.decode(video=0):
            t = float(frame.pts * frame.time_base) if frame.pts is not None else due
            if t + 1e-6 >= due:
                due += 1 / fps
                yield frame.to_ndarray(format="bgr24")


def clip_paths() -> tuple[list[Path], np.ndarray]:
    paths, ys = [], []
    for label, folder in ((1, "fight"), (0, "noFight")):
        for path in sorted((CLIPS / folder).glob("*.mp4")):
            paths.append(path)
            ys.append(label)
    return paths, np.asarray(ys)


def clip_frames(paths: list[Path]) -> tuple[list[list[np.ndarray]], float]:
    """Each clip's frame vectors with every layer of READ."""
    features = MotionAppearance(READ)
    clips, t0 = [], time.perf_counter()
    for path in paths:
        features.reset()
        clips.append([v for v in (features(img) for img in sampled(path)) if v is not None])
    return clips, (time.perf_counter() - t0) / len(paths) * 1e3


def classifier(kind: str, c: float, probability: bool = False):
    """``probability``: an SVM's decision turned into a probability by a sigmoid fitted on
    cross-validated decisions (Platt), as the analyzer reads it."""
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
    svm = SVC(C=c, kernel="rbf", gamma="scale")
    if probability:
        return make_pipeline(
            StandardScaler(), CalibratedClassifierCV(svm, method="sigmoid", cv=5, ensemble=False)
        )
    return make_pipeline(StandardScaler(), svm)


def candidates() -> list[Candidate]:
    """The full search: every window vector, set of layers, classifier and penalty."""
    return [
        (f, layers, k, c) for f in FEATURES for layers in LAYER_SETS for k, cs in GRID.items() for c in cs
    ]


def design() -> list[Candidate]:
    """The analyzer's design with each penalty of the grid."""
    f, layers, kind = DESIGN
    return [(f, layers, kind, c) for c in GRID[kind]]


def inputs(clips: list[list[np.ndarray]]) -> Inputs:
    """The clips' window vectors for every window vector and set of layers."""
    offset = dict(zip(READ, np.cumsum([0] + [LAYERS[n] for n in READ])[:-1], strict=True))
    out: Inputs = {}
    for layers in LAYER_SETS:
        cols = np.concatenate([np.arange(offset[n], offset[n] + LAYERS[n]) for n in layers])
        parts = tuple(LAYERS[n] for n in layers)
        for f in FEATURES:
            out[f, layers] = np.stack(
                [window_vector([v[cols] for v in frames], f, parts) for frames in clips]
            )
    return out


def predict(cand: Candidate, x: Inputs, y: np.ndarray, train, test) -> np.ndarray:
    """Fit on ``train`` and call ``test`` clips fights at probability ≥ 0.5, as the analyzer does."""
    f, layers, kind, c = cand
    model = classifier(kind, c, probability=True).fit(x[f, layers][train], y[train])
    return (model.predict_proba(x[f, layers][test])[:, 1] >= 0.5).astype(int)


def inner_choice(
    x: Inputs, y: np.ndarray, idx: np.ndarray, options: list[Candidate], groups: np.ndarray | None = None
) -> Candidate:
    """The candidate with the best 4-fold F1 on these clips only (decision ≥ 0 inside, for speed);
    with ``groups``, the inner folds keep each source together too."""
    best, best_f1 = None, -1.0
    if groups is None:
        folds = list(StratifiedKFold(4, shuffle=True, random_state=1).split(idx, y[idx]))
    else:
        inner = StratifiedGroupKFold(4, shuffle=True, random_state=1)
        folds = list(inner.split(idx, y[idx], groups[idx]))
    for cand in options:
        f, layers, kind, c = cand
        xs = x[f, layers]
        pred = np.zeros(len(idx), int)
        for tr, te in folds:
            pred[te] = classifier(kind, c).fit(xs[idx[tr]], y[idx[tr]]).predict(xs[idx[te]])
        score = f1_score(y[idx], pred)
        if score > best_f1:
            best, best_f1 = cand, score
    assert best is not None
    return best


def save(cand: Candidate, x: Inputs, y: np.ndarray) -> None:
    f, layers, kind, c = cand
    xs = x[f, layers]
    model = classifier(kind, c, probability=True).fit(xs, y)
    scaler, clf = model[0], model[1]
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    if kind == "logistic":
        save_model(MODEL_FILE, scaler.mean_, scaler.scale_, clf.coef_[0], float(clf.intercept_[0]), f, layers)
    else:
        fitted = clf.calibrated_classifiers_[0]
        svm, sigmoid = fitted.estimator, fitted.calibrators[0]
        save_svm(
            MODEL_FILE,
            f,
            scaler.mean_,
            scaler.scale_,
            svm.support_vectors_,
            svm.dual_coef_[0],
            float(svm._gamma),  # what gamma="scale" came to on these clips
            float(svm.intercept_[0]),
            float(sigmoid.a_),
            float(sigmoid.b_),
            layers,
        )
    saved = FightModel(MODEL_FILE)
    ours = np.array([saved.probability(v) for v in xs])
    theirs = model.predict_proba(xs)[:, 1]
    if not np.allclose(ours, theirs, atol=1e-3):
        raise SystemExit(f"the saved model disagrees with the trained one: {np.abs(ours - theirs).max():.4f}")


def nested(
    x: Inputs, y: np.ndarray, options: list[Candidate], shuffles: int, groups: np.ndarray | None = None
) -> tuple[list[str], np.ndarray, list[Candidate]]:
    """Nested 5-fold cross-validation, ``options`` picked inside each training fold: a table row
    per shuffle, the mean precision / recall / F1, and what was picked. With ``groups`` (sources),
    outer and inner folds keep each source's clips together."""
    rows, scores, chosen = [], [], []
    for seed in range(shuffles):
        pred = np.zeros_like(y)
        if groups is None:
            outer = StratifiedKFold(5, shuffle=True, random_state=seed).split(y, y)
        else:
            outer = StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(y, y, groups)
        for train, test in outer:
            cand = inner_choice(x, y, train, options, groups)
            chosen.append(cand)
            pred[test] = predict(cand, x, y, train, test)
        p, r, f = precision_score(y, pred), recall_score(y, pred), f1_score(y, pred)
        scores.append((p, r, f))
        rows.append(
            f"| shuffle {seed} | {p:.3f} | {r:.3f} | {f:.3f} | {int(((pred == 1) & (y == 0)).sum())} |"
        )
        print(rows[-1], flush=True)
    return rows, np.mean(scores, axis=0), chosen


def _layers(layers: tuple[int, ...]) -> str:
    return "layers " + "+".join(map(str, layers))


def main() -> list[Summary]:
    warnings.filterwarnings("ignore", category=FutureWarning)
    t0 = time.time()
    paths, y = clip_paths()
    groups = source_groups(paths)
    clips, ms = clip_frames(paths)
    x = inputs(clips)
    g_rows, g_mean, g_chosen = nested(x, y, design(), 5, groups)
    _, g_full, _ = nested(x, y, candidates(), 3, groups)
    rows, mean, chosen = nested(x, y, design(), 5)
    _, full, full_chosen = nested(x, y, candidates(), 3)
    flat = []
    for f_kind, layers in x:
        for kind in GRID:
            best = None
            for c in GRID[kind]:
                fs = []
                for seed in range(3):
                    pred = np.zeros_like(y)
                    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(y, y):
                        pred[test] = predict((f_kind, layers, kind, c), x, y, train, test)
                    fs.append(f1_score(y, pred))
                if best is None or np.mean(fs) > best[1]:
                    best = (c, float(np.mean(fs)))
            assert best is not None
            flat.append(f"| {_layers(layers)} | {f_kind} | {kind} | {best[0]:g} | {best[1]:.3f} |")
    final = inner_choice(x, y, np.arange(len(y)), design(), groups)
    save(final, x, y)
    picks: dict[str, int] = {}
    for cand in full_chosen:
        key = f"{_layers(cand[1])} + {cand[0]} + {cand[2]}"
        picks[key] = picks.get(key, 0) + 1
    penalties: dict[float, int] = {}
    for cand in chosen:
        penalties[cand[3]] = penalties.get(cand[3], 0) + 1
    lines = [
        "# Fight",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/fight.py` ({time.time() - t0:.0f} s). "
        "fight_clips (Akti et al., IPTA 2019; 75 fight, 75 no-fight surveillance clips of about 2 s). "
        "Method: the docstring of bench/fight.py: per frame (5 a second) YOLOv3-tiny's 1024-channel 13x13 "
        "and 256-channel 26x26 features, each weighted by the squared Farneback flow; per clip the mean, "
        "spread and frame-to-frame change of the unit-length frame vectors of each layer; an RBF SVM with a "
        "Platt sigmoid, its penalty chosen inside each training fold (nested). Target (issue 13): F1 ≥ 0.85 "
        "with folds grouped by source.",
        "",
        f"**Grouped nested 5-fold cross-validation (every source's clips in one fold), mean of five shuffles: "
        f"precision {g_mean[0]:.3f}, recall {g_mean[1]:.3f}, F1 {g_mean[2]:.3f}** — "
        f"{'meets' if g_mean[2] >= 0.85 else 'does not meet'} the target; with the whole design search nested "
        f"the same way (three shuffles): F1 {g_full[2]:.3f}. "
        f"Cost: {ms:.0f} ms per clip (about {ms / 10:.0f} ms per analysed frame, flow and features).",
        "",
        "| grouped split | precision | recall | F1 | no-fight clips called fights |",
        "|---|---|---|---|---|",
        *g_rows,
        "",
        f"Sources recovered from the clips' first frames (bench/clip_groups.py: Lab thumbnails, average "
        f"linkage): {len(set(groups.tolist()))} groups; those with more than one clip:",
        "",
        *describe(paths, groups, y),
        "",
        "Neighbouring clip numbers fall together and fights share rooms with no-fight clips, which is why "
        "random folds flatter a classifier that learns rooms. The same, with random folds (leaks: near-copies "
        f"on both sides; kept only to compare): precision {mean[0]:.3f}, recall {mean[1]:.3f}, "
        f"F1 {mean[2]:.3f}.",
        "",
        "| random split (leaks) | precision | recall | F1 | no-fight clips called fights |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Penalties picked inside the 25 training folds: "
        + ", ".join(f"C={k:g} {v}" for k, v in sorted(penalties.items()))
        + f"; on all 150 clips C={final[3]:g}, saved to bench/.cache/fight_model.npz (not committed: it is "
        "derived from the clips); `fight.model_path` takes it.",
        "",
        "The design was chosen by comparing candidates on these same clips with random folds. With the whole "
        "search nested in random folds (the inner folds also pick the layers, window vector and "
        f"classifier; three shuffles): precision {full[0]:.3f}, recall {full[1]:.3f}, **F1 {full[2]:.3f}**. "
        "Picked there: "
        + ", ".join(f"{k} {v}" for k, v in sorted(picks.items(), key=lambda kv: -kv[1]))
        + ". Picking among 36 close candidates on 120 clips adds its own noise.",
        "",
        "Flat random 5-fold cross-validation of each candidate at its best penalty (three shuffles; "
        "optimistic twice: random folds, and the test folds pick the penalty):",
        "",
        "| layers | window vector | classifier | penalty | F1 |",
        "|---|---|---|---|---|",
        *flat,
        "",
        "Tried before and dropped (flat cross-validation): flow statistics alone (magnitude, direction entropy, "
        "divergence, curl, violent-flows histogram, 4x6 cell statistics) F1 0.71-0.77; unweighted deep "
        "features 0.77; flow statistics added to the deep features 0.84; mirrored clips as extra training data "
        "0.80-0.83; sampling the clips at 10 frames a second instead of 5: no clear gain (0.84 either way).",
    ]
    print("\n".join(lines))
    write_result("fight", lines)
    value = f"{g_mean[0]:.2f} / {g_mean[1]:.2f} / {g_mean[2]:.3f} (random folds, leaking: {mean[2]:.3f})"
    return [
        Summary(
            "fight",
            "fight_clips 75+75, nested 5-fold CV grouped by source",
            "P / R / F1",
            value,
            "F1 ≥ 0.85",
            f"{ms:.0f} ms/clip",
        )
    ]


if __name__ == "__main__":
    main()
