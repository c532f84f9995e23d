"""Fit the detector's logistic coefficients on ONE sandbox league (a ``make eval --dump`` file).

The combination in ``riotjobs/analysis/combine.py`` is fixed: each evidence score contributes
``s · low_rank · (low + young · account_level)``, the context scores ``account_level · (alone
+ with_low · low_rank)`` and ``c · low_rank``, plus an intercept. This script fits those
numbers by L2-regularised logistic regression with every evidence coefficient held ≥ 0
(projected gradient descent with momentum, numpy from the dev extra) and prints them for
pasting into ``combine.py``. The L2 strength is the candidate with the lowest log loss on a
second league (``--validate``, another seed), else the best 5-fold cross-validated one within
the fitting league. Cross-validation inside one league keeps preferring less regularisation:
its smurfs are nearly separable and its folds share one generator, so it cannot see how
sharp coefficients carry over to another league. Fit on one seed, pick the strength on a
second, then judge on other seeds with ``scripts/eval_detection.py`` (``--from-dump`` to be
quick): a model fitted and judged on the same league would only measure how well it learnt
that league's generator.

Every evidence regressor is multiplied by ``1 - OLD_GATE · old_account`` (the gate of analysis
2.2) with the current ``OLD_GATE``. ``--gate`` fits that one number instead, holding every
other coefficient at its value in ``combine.py`` (the log loss over 0, 0.05 … 1 on the fitting
league), and with ``--validate`` also picks ``old_account``'s ramp top (``--old-tops``) by log
loss on the second league; paste both into ``combine.OLD_GATE`` and ``scores.OLD_LEVELS``.

    .venv/bin/python scripts/fit_detector.py s11.pkl --validate s12.pkl [--l2 0.0001,0.001]
    .venv/bin/python scripts/fit_detector.py s11.pkl --validate s12.pkl --gate
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riotjobs.analysis import combine, scores  # noqa: E402
from riotjobs.analysis.combine import CONTEXT_TERMS, EVIDENCE, INTERCEPT, SAMPLE_K  # noqa: E402
from riotjobs.analysis.scores import SCORES  # noqa: E402

FOLDS = 5


def design(values: dict[str, float], sample_size: int) -> list[float]:
    """One player's regressors, in the order of ``names()``."""
    young, low = values["account_level"], values["low_rank"]
    gate = 1.0 - min(1.0, combine.OLD_GATE * values["old_account"])
    sure = sample_size / (sample_size + SAMPLE_K) * gate
    row = []
    for name in EVIDENCE:
        s = values[name] * sure * low
        row += [s, s * young]
    return [*row, young, young * low, low]


def names() -> list[str]:
    out = [f"{n}.{part}" for n in EVIDENCE for part in ("low", "young")]
    return [*out, "context.young", "context.young_low", "context.low"]


def fit(x: np.ndarray, y: np.ndarray, l2: float, steps: int) -> tuple[np.ndarray, float]:
    """Projected gradient descent with momentum on the mean log loss + l2/2·|β|²."""
    free = np.array([n.startswith("context.") for n in names()])
    beta, b0 = np.zeros(x.shape[1]), math.log(y.mean() / (1 - y.mean()))
    vel, vel0 = np.zeros_like(beta), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(b0 + x @ beta, -30, 30)))
        err = (p - y) / len(y)
        vel0 = 0.9 * vel0 - 0.5 * err.sum()
        b0 += vel0
        vel = 0.9 * vel - 0.5 * (x.T @ err + l2 * beta)
        beta += vel
        clipped = ~free & (beta < 0)
        beta[clipped], vel[clipped] = 0.0, 0.0
    return beta, b0


def cv_loss(x: np.ndarray, y: np.ndarray, l2: float, steps: int) -> float:
    """Mean held-out log loss over ``FOLDS`` folds (a fixed shuffle: reproducible)."""
    fold = np.random.default_rng(0).permutation(len(y)) % FOLDS
    total = 0.0
    for k in range(FOLDS):
        beta, b0 = fit(x[fold != k], y[fold != k], l2, steps)
        total += log_loss(beta, b0, x[fold == k], y[fold == k]) * int(np.sum(fold == k))
    return total / len(y)


def load(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A dump's regressors and labels."""
    doc = pickle.loads(path.read_bytes())
    rows, labels = [], []
    for puuid, features in doc["features"].items():
        values = {name: fn(features).value for name, fn in SCORES.items()}
        rows.append(design(values, features.sample_size))
        labels.append(float(doc["truth"][puuid]["smurf"]))
    return np.array(rows), np.array(labels)


def log_loss(beta: np.ndarray, b0: float, x: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(1 / (1 + np.exp(-(b0 + x @ beta))), 1e-9, 1 - 1e-9)
    return -float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def current() -> tuple[np.ndarray, float]:
    """The coefficients in ``combine.py``, in the order of ``names()``."""
    beta = [c for name in EVIDENCE for c in EVIDENCE[name]]
    beta += [*CONTEXT_TERMS["account_level"], CONTEXT_TERMS["low_rank"][0]]
    return np.array(beta), INTERCEPT


def fit_gate(dump: Path, validate: Path | None, tops: list[float]) -> None:
    """Fit ``OLD_GATE`` on ``dump`` with every other coefficient held; pick the ramp top of
    ``old_account`` by log loss on ``validate`` (else keep the current one)."""
    beta, b0 = current()
    lo, top0 = scores.OLD_LEVELS
    gate0 = combine.OLD_GATE
    grid = [i / 20 for i in range(21)]

    def loss(path: Path, top: float, gate: float) -> float:
        scores.OLD_LEVELS, combine.OLD_GATE = (lo, top), gate
        try:
            return log_loss(beta, b0, *load(path))
        finally:
            scores.OLD_LEVELS, combine.OLD_GATE = (lo, top0), gate0

    best: dict[float, tuple[float, float]] = {}
    for top in tops if validate is not None else [top0]:
        gate = min(grid, key=lambda g: loss(dump, top, g))
        best[top] = (gate, loss(validate, top, gate) if validate is not None else math.nan)
    top = min(best, key=lambda t: best[t][1]) if validate is not None else top0
    print(f"# OLD_GATE fitted on {dump.name} (other coefficients held), old_account top by "
          f"log loss on {validate.name if validate else '-'}: "
          + ", ".join(f"{t:g}: gate {g}, {v:.5f}" for t, (g, v) in best.items()))  # fmt: skip
    print(f"OLD_LEVELS = ({lo}, {top})")
    print(f"OLD_GATE = {best[top][0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--validate", type=Path, help="a second league to pick the L2 on")
    parser.add_argument("--l2", default="0.0001,0.0003,0.001,0.003", help="candidates")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--gate", action="store_true", help="fit OLD_GATE only (see above)")
    parser.add_argument("--old-tops", default="300,400,500,600,800", help="candidates")
    args = parser.parse_args()
    if args.gate:
        fit_gate(args.dump, args.validate, [float(t) for t in args.old_tops.split(",")])
        return
    x, y = load(args.dump)
    fits = {float(c): fit(x, y, float(c), args.steps) for c in args.l2.split(",")}
    if args.validate is not None:
        xv, yv = load(args.validate)
        losses = {c: log_loss(*fits[c], xv, yv) for c in fits}
        how = f"log loss on {args.validate.name}"
    else:
        losses = {c: cv_loss(x, y, c, args.steps) for c in fits}
        how = f"{FOLDS}-fold log loss"
    l2 = min(losses, key=lambda c: losses[c])
    beta, b0 = fits[l2]
    print(f"# fitted on {args.dump.name}: {len(y)} players, {int(y.sum())} smurfs, l2 {l2}")
    print(f"# {how} by l2: " + ", ".join(f"{c}: {v:.4f}" for c, v in losses.items()))
    print("EVIDENCE: dict[str, tuple[float, float]] = {")
    for i, name in enumerate(EVIDENCE):
        a, b = (round(float(v), 2) for v in beta[2 * i : 2 * i + 2])
        print(f'    "{name}": ({a}, {b}),')
    print("}")
    young, young_low, low = (round(float(v), 2) for v in beta[2 * len(EVIDENCE) :])
    print(
        "CONTEXT_TERMS: dict[str, tuple[float, float]] = "
        f'{{"account_level": ({young}, {young_low}), "low_rank": ({low}, 0.0)}}'
    )
    print(f"INTERCEPT = {round(b0, 2)}")


if __name__ == "__main__":
    main()
