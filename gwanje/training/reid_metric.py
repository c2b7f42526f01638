"""Fit the appearance metric: which differences between two crops of people mean "another person".

XQDA (cross-view quadratic discriminant analysis, Liao et al., CVPR 2015), in NumPy: the
descriptors (``gwanje.vision.appearance.describe``) are centred and reduced by PCA to ``pca`` dims;
from pairs of crops seen by *different* cameras, the covariance of the differences between two crops
of the same person (Σ_I, regularised by ``lam`` times its mean variance) and of different people
(Σ_E) are estimated; the subspace W keeps the directions where Σ_E exceeds Σ_I (generalised
eigenvalues above 1, at most ``max_dims``); the distance there is d² = Δᵀ(Σ'_I⁻¹ − Σ'_E⁻¹)Δ. Its matrix
is factored (negative eigenvalues dropped) so that the whole metric is one linear map: the vector
``(x − mean) @ projection`` of each crop, compared by Euclidean distance. A logistic fit of "same
person" on distances between people left out of the fit (folds grouped by identity) turns a
distance into a probability for the follow mode's ranking. Pairs come from crops of one identity seen by two or more cameras (``Labelled``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Labelled:
    """Descriptors of crops with the identity and camera of each."""

    x: np.ndarray  # (n, D)
    identity: np.ndarray  # (n,) int
    camera: np.ndarray  # (n,) int


@dataclass(frozen=True)
class FittedMetric:
    mean: np.ndarray  # (D,)
    projection: np.ndarray  # (D, r)
    same_logit: tuple[float, float]  # p(same) = sigmoid(a + b * distance)
    identities: int
    pca: int
    lam: float


def _cross_camera_scatter(z: np.ndarray, camera: np.ndarray) -> tuple[np.ndarray, int]:
    """Σ (z_i − z_j)(z_i − z_j)ᵀ over all ordered pairs i ≠ j of different cameras, and their count."""

    def all_pairs(v: np.ndarray) -> np.ndarray:
        s = v.sum(axis=0)
        return 2 * len(v) * (v.T @ v) - 2 * np.outer(s, s)

    total = all_pairs(z)
    count = len(z) * (len(z) - 1)
    for c in np.unique(camera):
        part = z[camera == c]
        total -= all_pairs(part)
        count -= len(part) * (len(part) - 1)
    return total, count


def _principal_axes(centred: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` principal axes (D, k) of centred rows; through the rows' Gram matrix when
    there are fewer rows than dimensions (a few hundred crops, thousands of numbers each)."""
    n, dims = centred.shape
    if n >= dims:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        return vt[:k].T
    values, u = np.linalg.eigh(centred @ centred.T)
    top = np.argsort(-values)[:k]
    axes = centred.T @ u[:, top]
    return axes / np.maximum(np.linalg.norm(axes, axis=0, keepdims=True), 1e-12)


def _same_pairs(identity: np.ndarray, camera: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (ordered both ways) of one identity seen by two different cameras."""
    same = (identity[:, None] == identity[None, :]) & (camera[:, None] != camera[None, :])
    return np.nonzero(same)


def fit_xqda(
    data: Labelled, pca: int = 150, lam: float = 0.1, max_dims: int = 128, calibration_folds: int = 3
) -> FittedMetric:
    """The metric fitted on ``data`` (see the module's text). Its p(same person) is calibrated on
    distances between people the projection was not fitted on (``calibration_folds`` folds grouped
    by identity): on the training people themselves every distance between two views of one person
    is small, and the calibration would call strangers in similar clothes the same person."""
    ia, ib = _same_pairs(data.identity, data.camera)
    if len(ia) == 0:
        raise ValueError("no identity is seen by two cameras: nothing to learn a metric from")
    ids = len(np.unique(data.identity[ia]))
    if ids < 10:
        raise ValueError(f"only {ids} identities are seen by two cameras; at least 10 are needed")
    mean, projection, pca = _projection(data, pca, lam, max_dims)
    people = np.random.default_rng(0).permutation(np.unique(data.identity))
    same, other = [], []
    for k in range(calibration_folds):
        held = np.isin(data.identity, people[k::calibration_folds])
        part = Labelled(data.x[~held], data.identity[~held], data.camera[~held])
        if len(np.unique(part.identity[_same_pairs(part.identity, part.camera)[0]])) < 10:
            continue  # too few people to fit on without this fold
        m, p, _ = _projection(part, pca, lam, max_dims)
        seen = Labelled(data.x[held], data.identity[held], data.camera[held])
        d_same, d_other = _pair_distances(((seen.x - m) @ p).astype(np.float64), seen)
        same.append(d_same)
        other.append(d_other)
    if not sum(len(s) for s in same):  # too few people to leave any out: the fitted ones, optimistic
        d_same, d_other = _pair_distances((data.x - mean).astype(np.float64) @ projection, data)
        same, other = [d_same], [d_other]
    same_logit = _logistic(np.concatenate(same), np.concatenate(other))
    return FittedMetric(
        mean.astype(np.float32), projection.astype(np.float32), same_logit, ids, pca, float(lam)
    )


def _projection(data: Labelled, pca: int, lam: float, max_dims: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(mean, linear map to the metric's space, PCA dims used) from ``data``'s cross-camera pairs."""
    ia, ib = _same_pairs(data.identity, data.camera)
    mean = data.x.mean(axis=0)
    centred = (data.x - mean).astype(np.float64)
    pca = int(min(pca, len(centred) - 1, centred.shape[1]))
    reduce = _principal_axes(centred, pca)  # (D, pca)
    z = centred @ reduce
    diffs = z[ia] - z[ib]
    intra_sum = diffs.T @ diffs
    sigma_i = intra_sum / len(diffs)
    cross, n_cross = _cross_camera_scatter(z, data.camera)
    sigma_e = (cross - intra_sum) / max(1, n_cross - len(diffs))
    sigma_i += lam * np.trace(sigma_i) / pca * np.eye(pca)
    # generalised eigenproblem Σ_E w = λ Σ_I w, through Σ_I's Cholesky factor
    chol = np.linalg.cholesky(sigma_i)
    inv_chol = np.linalg.inv(chol)
    values, vectors = np.linalg.eigh(inv_chol @ sigma_e @ inv_chol.T)
    order = np.argsort(-values)
    values, vectors = values[order], vectors[:, order]
    keep = int(min(max_dims, max(1, (values > 1).sum())))
    w = inv_chol.T @ vectors[:, :keep]  # (pca, r)
    m = np.linalg.inv(w.T @ sigma_i @ w) - np.linalg.inv(w.T @ sigma_e @ w)
    ev, evec = np.linalg.eigh((m + m.T) / 2)
    pos = ev > 1e-12
    factor = evec[:, pos] * np.sqrt(ev[pos])  # m ≈ factor @ factor.T
    return mean, reduce @ w @ factor, pca


def _pair_distances(e: np.ndarray, data: Labelled) -> tuple[np.ndarray, np.ndarray]:
    """Distances of pairs seen by different cameras: every same-identity pair, and eight times as
    many different-identity pairs drawn at random."""
    ia, ib = _same_pairs(data.identity, data.camera)
    rng = np.random.default_rng(0)
    n = len(e)
    i, j = rng.integers(0, n, 8 * max(1, len(ia))), rng.integers(0, n, 8 * max(1, len(ia)))
    differ = (data.identity[i] != data.identity[j]) & (data.camera[i] != data.camera[j])
    return np.linalg.norm(e[ia] - e[ib], axis=1), np.linalg.norm(e[i[differ]] - e[j[differ]], axis=1)


def _logistic(same: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """p(same person) = sigmoid(a + b d), fitted by Newton steps on the log-loss, the two kinds of
    pair weighted equally."""
    d = np.concatenate([same, other])
    y = np.concatenate([np.ones(len(same)), np.zeros(len(other))])
    w = np.concatenate([np.full(len(same), 0.5 / len(same)), np.full(len(other), 0.5 / len(other))])
    scale = float(np.median(d)) or 1.0
    a, b = 0.0, -1.0
    x = d / scale
    for _ in range(100):  # distance in units of its median
        p = 1 / (1 + np.exp(-np.clip(a + b * x, -50, 50)))
        r = w * p * (1 - p)
        g = np.array([np.sum(w * (p - y)), np.sum(w * (p - y) * x)])
        h = np.array([[r.sum(), (r * x).sum()], [(r * x).sum(), (r * x * x).sum()]])
        step = np.linalg.solve(h + 1e-9 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b / scale)
