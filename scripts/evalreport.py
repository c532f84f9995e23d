"""The tables of `make eval`: metrics per kind of player, confusion matrix, threshold sweep and
calibration, computed from (kind, is smurf, confidence) rows. Pure functions, no I/O.

The reliability table (``reliability``) pools players, usually of several seeds, into bins of
at least ``MIN_BIN`` players: a fine grid of confidence bins, neighbours merged until each bin
is big enough, so "of players near 0.8, about 80 % are smurfs" can be checked with a 95 %
(Wilson) interval instead of being read off a bin of two players."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any, NamedTuple

DEFAULT_THRESHOLD = 0.5
SWEEP = (0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


class Row(NamedTuple):
    kind: str
    smurf: bool
    confidence: float


def metrics(rows: list[Row], threshold: float) -> dict[str, Any]:
    tp = sum(1 for r in rows if r.smurf and r.confidence >= threshold)
    fp = sum(1 for r in rows if not r.smurf and r.confidence >= threshold)
    fn = sum(1 for r in rows if r.smurf and r.confidence < threshold)
    tn = len(rows) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
    }


def roc_auc(rows: list[Row]) -> float | None:
    """Probability that a random smurf scores above a random honest player (ties count half)."""
    ranked = sorted(rows, key=lambda r: r.confidence)
    pos = sum(r.smurf for r in rows)
    neg = len(rows) - pos
    if not pos or not neg:
        return None
    rank_sum, i = 0.0, 0
    while i < len(ranked):  # average ranks over ties
        j = i
        while j < len(ranked) and ranked[j].confidence == ranked[i].confidence:
            j += 1
        rank_sum += sum(r.smurf for r in ranked[i:j]) * (i + j + 1) / 2
        i = j
    return round((rank_sum - pos * (pos + 1) / 2) / (pos * neg), 4)


def per_kind(rows: list[Row], threshold: float) -> list[dict[str, Any]]:
    out = []
    for kind in sorted({r.kind for r in rows}):
        mine = [r for r in rows if r.kind == kind]
        flagged = sum(r.confidence >= threshold for r in mine)
        out.append(
            {
                "kind": kind,
                "smurf": mine[0].smurf,
                "analysed": len(mine),
                "flagged": flagged,
                "share_flagged": round(flagged / len(mine), 3),
                "mean_confidence": round(sum(r.confidence for r in mine) / len(mine), 3),
            }
        )
    return out


def calibration(rows: list[Row]) -> list[dict[str, Any]]:
    out = []
    for lo, hi in itertools.pairwise(BINS):
        mine = [r for r in rows if lo <= r.confidence < hi]
        if mine:
            out.append(
                {
                    "bin": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "players": len(mine),
                    "mean_confidence": round(sum(r.confidence for r in mine) / len(mine), 3),
                    "share_smurfs": round(sum(r.smurf for r in mine) / len(mine), 3),
                }
            )
    return out


FINE = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)
MIN_BIN = 25


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a share ``hits / n``."""
    centre, spread = hits + z * z / 2, z * math.sqrt(hits * (n - hits) / n + z * z / 4)
    return (centre - spread) / (n + z * z), (centre + spread) / (n + z * z)


def reliability(rows: list[Row], min_bin: int = MIN_BIN) -> dict[str, Any]:
    """Pooled calibration: bins of ≥ ``min_bin`` players, each with its mean confidence, the
    observed share of smurfs and that share's 95 % interval; plus the Brier score and the
    expected calibration error (players-weighted mean |confidence - share|)."""
    groups: list[list[Row]] = [
        [r for r in rows if lo <= r.confidence < hi] for lo, hi in itertools.pairwise(FINE)
    ]
    merged: list[list[Row]] = []
    for group in groups:
        if merged and len(merged[-1]) < min_bin:
            merged[-1] += group
        else:
            merged.append(list(group))
    if len(merged) > 1 and len(merged[-1]) < min_bin:
        merged[-2] += merged.pop()
    bins = []
    for group in (g for g in merged if g):
        hits = sum(r.smurf for r in group)
        mean = sum(r.confidence for r in group) / len(group)
        lo, hi = wilson(hits, len(group))
        bins.append(
            {
                "range": f"{min(r.confidence for r in group):.3f}-"
                f"{max(r.confidence for r in group):.3f}",
                "players": len(group),
                "mean_confidence": round(mean, 3),
                "share_smurfs": round(hits / len(group), 3),
                "interval": [round(lo, 3), round(hi, 3)],
                "inside": lo <= mean <= hi,
            }
        )
    n = len(rows) or 1
    brier = sum((r.confidence - r.smurf) ** 2 for r in rows) / n
    ece = sum(b["players"] * abs(b["mean_confidence"] - b["share_smurfs"]) for b in bins) / n
    return {"players": len(rows), "bins": bins, "brier": round(brier, 4), "ece": round(ece, 4)}


def render_reliability(rel: dict[str, Any], title: str) -> str:
    lines = [
        f"reliability, {title}: {rel['players']} players, bins of >= {MIN_BIN}; "
        f"Brier {rel['brier']}, expected calibration error {rel['ece']}",
        "  confidence range  players  mean conf  share smurfs  95% interval   mean inside",
    ]
    for b in rel["bins"]:
        lo, hi = b["interval"]
        lines.append(
            f"  {b['range']:<16}  {b['players']:>7}  {b['mean_confidence']:>9.3f}  "
            f"{b['share_smurfs']:>12.3f}  {lo:.3f}-{hi:.3f}    {'yes' if b['inside'] else 'NO'}"
        )
    return "\n".join(lines) + "\n"


def render_seeds(docs: list[dict[str, Any]]) -> str:
    """One line per seed: the acceptance figures side by side."""
    lines = ["seed  analysed  smurfs  precision  recall  ROC AUC  false pos. / false neg. by kind"]
    for d in docs:
        m = d["default"]
        fps = ", ".join(f"{k} {v}" for k, v in sorted(d["false_positives_by_kind"].items()))
        fns = ", ".join(f"{k} {v}" for k, v in sorted(d["false_negatives_by_kind"].items()))
        lines.append(
            f"{d.get('seed', '-'):<4}  {d['analysed']:>8}  {d['smurfs_analysed']:>6}  "
            f"{m['precision']:>9.3f}  {m['recall']:>6.3f}  {d['roc_auc']:>7}  "
            f"{fps or 'none'} / {fns or 'none'}"
        )
    return "\n".join(lines) + "\n"


def pr_curve(rows: list[Row]) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) at every distinct confidence, for the plot."""
    points = []
    for t in sorted({r.confidence for r in rows}):
        m = metrics(rows, t)
        points.append((t, m["precision"], m["recall"]))
    return points


def summary(rows: list[Row]) -> dict[str, Any]:
    default = metrics(rows, DEFAULT_THRESHOLD)
    flagged = [r for r in rows if r.confidence >= DEFAULT_THRESHOLD]
    missed = [r for r in rows if r.smurf and r.confidence < DEFAULT_THRESHOLD]
    return {
        "analysed": len(rows),
        "smurfs_analysed": sum(r.smurf for r in rows),
        "default": default,
        "roc_auc": roc_auc(rows),
        "false_positives_by_kind": dict(Counter(r.kind for r in flagged if not r.smurf)),
        "false_negatives_by_kind": dict(Counter(r.kind for r in missed)),
        "per_kind": per_kind(rows, DEFAULT_THRESHOLD),
        "sweep": [metrics(rows, t) for t in SWEEP],
        "calibration": calibration(rows),
        "pr_curve": pr_curve(rows),
    }


def render(doc: dict[str, Any]) -> str:
    """The human-readable report of one evaluated league."""
    lines = []
    if "seed" in doc:
        lines.append(
            f"== {doc['league']} league, seed {doc['seed']}: {doc['players_in_league']} players, "
            f"{doc['smurfs_in_league']} smurfs; pipeline discovered {doc['players_discovered']} "
            f"and stored {doc['matches_stored']} matches in {doc['ingest_seconds']} s"
        )
    else:
        lines.append(f"== {doc['dump']}")
    d = doc["default"]
    lines.append(
        f"analysed {doc['analysed']} players ({doc['smurfs_analysed']} smurfs). At threshold "
        f"{d['threshold']}: precision {d['precision']:.3f}  recall {d['recall']:.3f}  "
        f"F1 {d['f1']:.3f}  ROC AUC {doc['roc_auc']}"
    )
    lines.append("")
    lines.append("confusion matrix     flagged  not flagged")
    lines.append(f"  smurf              {d['tp']:>7}  {d['fn']:>11}")
    lines.append(f"  honest             {d['fp']:>7}  {d['tn']:>11}")
    fps = ", ".join(f"{k} {v}" for k, v in sorted(doc["false_positives_by_kind"].items()))
    fns = ", ".join(f"{k} {v}" for k, v in sorted(doc["false_negatives_by_kind"].items()))
    lines.append(f"  false positives by kind: {fps or 'none'}")
    lines.append(f"  false negatives by kind: {fns or 'none'}")
    lines.append("")
    lines.append("kind           smurf  analysed  flagged  share  mean conf")
    for k in doc["per_kind"]:
        lines.append(
            f"{k['kind']:<14} {'yes' if k['smurf'] else 'no':<5}  {k['analysed']:>8}  "
            f"{k['flagged']:>7}  {k['share_flagged']:>5.2f}  {k['mean_confidence']:>9.3f}"
        )
    lines.append("")
    lines.append("threshold  precision  recall  f1     tp   fp   fn")
    for m in doc["sweep"]:
        lines.append(
            f"{m['threshold']:<9}  {m['precision']:<9.3f}  {m['recall']:<6.3f}  {m['f1']:<5.3f}"
            f"  {m['tp']:<4} {m['fp']:<4} {m['fn']}"
        )
    lines.append("")
    lines.append("calibration: confidence bin, players, mean confidence, share who are smurfs")
    for c in doc["calibration"]:
        lines.append(
            f"  {c['bin']:<8} {c['players']:>5}  {c['mean_confidence']:.3f}"
            f"  {c['share_smurfs']:.3f}"
        )
    return "\n".join(lines) + "\n"
