"""Fit the detector's logistic coefficients on ONE sandbox league (a ``make eval --dump`` file).

The combination in ``riotjobs/analysis/combine.py`` is fixed: each evidence score contributes
``s · (base + young · account_level + low · low_rank)``, the two context scores a term each,
plus an intercept. This script fits those numbers by L2-regularised logistic regression with
every evidence coefficient held ≥ 0 (projected gradient descent; no numpy needed) and prints
them for pasting into ``combine.py``. Fit on one seed, then judge on other seeds with
``scripts/eval_detection.py --from-dump``: a model fitted and judged on the same league would
only measure how well it learnt that league's generator.

    .venv/bin/python scripts/fit_detector.py /tmp/dump_seed11.pkl [--l2 0.01]
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riotjobs.analysis.combine import CONTEXT, EVIDENCE, SAMPLE_K  # noqa: E402
from riotjobs.analysis.scores import SCORES  # noqa: E402


def design(values: dict[str, float], sample_size: int) -> list[float]:
    """One player's regressors, in the order of ``names()``."""
    young, low = values["account_level"], values["low_rank"]
    sure = sample_size / (sample_size + SAMPLE_K)
    row = []
    for name in EVIDENCE:
        s = values[name] * sure
        row += [s, s * young, s * low]
    row += [values[name] for name in CONTEXT]
    return row


def names() -> list[str]:
    out = [f"{n}.{part}" for n in EVIDENCE for part in ("base", "young", "low")]
    return out + [f"context.{n}" for n in CONTEXT]


def fit(xs: list[list[float]], ys: list[int], l2: float, steps: int) -> tuple[list[float], float]:
    """Projected gradient descent with momentum on the mean log loss + l2/2·|β|²."""
    k = len(xs[0])
    free = {i for i, name in enumerate(names()) if name.startswith("context.")}
    beta, b0 = [0.0] * k, math.log(sum(ys) / (len(ys) - sum(ys)))
    vel, vel0 = [0.0] * k, 0.0
    rate, momentum, n = 0.5, 0.9, len(ys)
    for _ in range(steps):
        grad, grad0 = [l2 * b for b in beta], 0.0
        for x, y in zip(xs, ys, strict=True):
            z = b0 + sum(b * v for b, v in zip(beta, x, strict=True))
            p = 1 / (1 + math.exp(-z)) if z > -30 else 0.0
            err = (p - y) / n
            grad0 += err
            for i, v in enumerate(x):
                if v:
                    grad[i] += err * v
        vel0 = momentum * vel0 - rate * grad0
        b0 += vel0
        for i in range(k):
            vel[i] = momentum * vel[i] - rate * grad[i]
            beta[i] += vel[i]
            if i not in free and beta[i] < 0:
                beta[i], vel[i] = 0.0, 0.0
    return beta, b0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--l2", type=float, default=0.002)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    doc = pickle.loads(args.dump.read_bytes())
    xs, ys = [], []
    for puuid, features in doc["features"].items():
        values = {name: fn(features).value for name, fn in SCORES.items()}
        xs.append(design(values, features.sample_size))
        ys.append(int(doc["truth"][puuid]["smurf"]))
    beta, b0 = fit(xs, ys, args.l2, args.steps)
    print(f"# fitted on {args.dump.name}: {len(ys)} players, {sum(ys)} smurfs, l2 {args.l2}")
    print("EVIDENCE: dict[str, tuple[float, float, float]] = {")
    for i, name in enumerate(EVIDENCE):
        a, b, c = (round(v, 2) for v in beta[3 * i : 3 * i + 3])
        print(f'    "{name}": ({a}, {b}, {c}),')
    print("}")
    ctx = beta[3 * len(EVIDENCE) :]
    print(
        "CONTEXT_TERMS: dict[str, float] = {"
        + ", ".join(f'"{n}": {round(v, 2)}' for n, v in zip(CONTEXT, ctx, strict=True))
        + "}"
    )
    print(f"INTERCEPT = {round(b0, 2)}")


if __name__ == "__main__":
    main()
