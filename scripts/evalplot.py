"""`make eval --plot FILE`: the precision-recall curve of each evaluated league as a PNG.

Needs matplotlib (``pip install -e '.[eval]'``); imported only when ``--plot`` is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_pr(docs: list[dict[str, Any]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # an optional extra: say how to get it
        raise SystemExit("eval: --plot needs matplotlib: pip install -e '.[eval]'") from exc
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for doc in docs:
        points = doc["pr_curve"]
        label = f"seed {doc['seed']}" if "seed" in doc else str(doc["dump"])
        ax.plot([p[2] for p in points], [p[1] for p in points], label=label)
        d = doc["default"]
        ax.scatter([d["recall"]], [d["precision"]], marker="o")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_title("Smurf detection: precision-recall (dot: default threshold)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
