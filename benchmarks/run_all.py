"""Run every benchmark (what `make bench` runs) and print one table of figures and targets.

Each benchmark runs as its own process with ``--json`` (so one cannot disturb the next) and
starts its own sandbox and scratch database. ``--quick`` uses the smallest sizes (the smoke
test's; a minute, figures meaningless); ``--only b1,b3`` picks benchmarks. B1 and B2 (and their
short runs, B1s and B2s) print riotjobs, riotwatcher and pulsefire side by side: a figure with
a range in brackets is the median of repeated runs that took turns with the peers.

    make bench
    make bench BENCH_ARGS="--only b1,b2 --json"
    .venv/bin/python benchmarks/run_all.py --quick
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
# benchmark, figure, riotjobs, riotwatcher, pulsefire, target, met (riotjobs' figure)
Row = tuple[str, str, Any, Any, Any, str, bool | None]
Summary = Callable[[dict[str, Any]], list[Row]]
PEERS = ("riotwatcher", "pulsefire")


def _one(bench: str, figure: str, value: Any, target: str = "", met: bool | None = None) -> Row:
    """A figure only riotjobs has."""
    return (bench, figure, value, "", "", target, met)


def _side(d: dict[str, Any], key: str) -> list[Any]:
    """``key`` of riotjobs and each peer (median over runs; "skipped" for a missing peer)."""
    out: list[Any] = []
    for name in ("riotjobs", *PEERS):
        doc = d.get(name)
        out.append(_cell(doc, key) if doc else "skipped")
    return out


def _cell(doc: dict[str, Any], key: str) -> str:
    value = _fmt(doc[key])
    band = (doc.get("spread") or {}).get(key)
    if doc.get("runs", 1) > 1 and band and band["min"] is not None and band["min"] != band["max"]:
        value += f" ({_fmt(band['min'])}-{_fmt(band['max'])})"
    return value


def _429s(doc: dict[str, Any] | None) -> str:
    if not doc:
        return "skipped"
    return f"{doc['app_429']} / {doc['method_429']} / {doc['service_429']}"


def _throughput(bench: str, d: dict[str, Any], headline: str, bound: str) -> list[Row]:
    """B1 and B2's side-by-side rows; ``headline`` is the utilization the target applies to."""
    o = d["riotjobs"]
    bad = o["app_429"] + o["method_429"]
    util = o[headline]
    rows: list[Row] = [
        (
            bench,
            "requests (answered)",
            *(
                f"{x['requests']} ({x['answered']})" if x else "skipped"
                for x in (d.get(n) for n in ("riotjobs", *PEERS))
            ),
            "",
            None,
        ),
        (bench, "answered req/s", *_side(d, "answered_per_s"), "", None),
        (
            bench,
            "429s app / method / service",
            *(_429s(d.get(n)) for n in ("riotjobs", *PEERS)),
            "0 app+method",
            bad == 0,
        ),
        (bench, f"utilization ({bound})", *_side(d, headline), ">= 0.9", util >= 0.9),
    ]
    return rows


def _b1(d: dict[str, Any]) -> list[Row]:
    bench = "B1s" if d["workload"].get("short") else "B1"
    o = d["riotjobs"]
    rows = _throughput(bench, d, "utilization", f"raw bound {o['bound_s']} s")
    rows.append(
        (
            bench,
            f"utilization (ids bound {o['bound_ids_s']} s)",
            *_side(d, "utilization_ids"),
            ">= 0.9" if bench == "B1s" else "",
            o["utilization_ids"] >= 0.9 if bench == "B1s" else None,
        )
    )
    rows.append((bench, "wall s (whole process)", *_side(d, "wall_s"), "", None))
    if bench == "B1s" and d.get("pulsefire"):
        p = d["pulsefire"]["answered_per_s"]
        rows.append(
            (
                bench,
                "answered req/s, ours / pulsefire",
                d["ratios_answered_per_s"].get("pulsefire"),
                "",
                "",
                ">= 1",
                o["answered_per_s"] >= p,
            )
        )
    if d.get("riotwatcher"):
        ratio = d["ratio_ours_to_peer"] or 0
        rows.append(
            (bench, "answered req/s, ours / riotwatcher", ratio, "", "", ">= 3", ratio >= 3)
        )
    return rows


def _b2(d: dict[str, Any]) -> list[Row]:
    short = d["workload"].get("short")
    bench = "B2s" if short else "B2"
    o = d["riotjobs"]
    if short:
        return _throughput(bench, d, "utilization_ids", f"ids bound {o['bound_ids_s']} s")
    rows = _throughput(bench, d, "utilization", "served / allowed in span")
    rows.insert(
        0,
        _one(
            bench,
            f"served on {o['busiest_routing']} / allowed in span",
            f"{o['served_by_routing'][o['busiest_routing']]} / {o['allowed_in_span']}"
            f" ({o['span_s']} s)",
        ),
    )
    return rows


def _b3(d: dict[str, Any]) -> list[Row]:
    pipe, store, target = d["pipeline"], d["store_only"], d["target_matches_per_s"]
    return [
        _one("B3", f"matches stored (pipeline run, {pipe['wall_s']} s)", pipe["matches"]),
        _one(
            "B3",
            "pipeline matches/s (rows/s)",
            f"{pipe['matches_per_s']} ({pipe['rows_per_s']})",
            f">= {target:.0f}",
            pipe["matches_per_s"] >= target,
        ),
        _one(
            "B3",
            "ingest.py matches/s (rows/s)",
            f"{store['matches_per_s']} ({store['rows_per_s']})",
            f">= {target:.0f}",
            store["matches_per_s"] >= target,
        ),
    ]


def _b4(d: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [_one("B4", "executions loaded", d["rows"])]
    for r in d["results"]:
        rows.append(
            _one(
                "B4",
                r["command"] + " (median s)",
                r["median_s"],
                f"< {d['target_s']:g}",
                r["median_s"] < d["target_s"],  # judge the figure the row shows
            )
        )
    return rows


def _b5(d: dict[str, Any]) -> list[Row]:
    t = d["targets_s"]
    return [
        _one(
            "B5",
            "riotjobs --help (median s)",
            d["help"]["median_s"],
            f"< {t['help']}",
            d["help"]["median_s"] < t["help"],
        ),
        _one(
            "B5",
            "run <disabled job> (median s)",
            d["disabled_run"]["median_s"],
            f"< {t['disabled_run']}",
            d["disabled_run"]["median_s"] < t["disabled_run"],
        ),
    ]


def _b6(d: dict[str, Any]) -> list[Row]:
    return [
        _one("B6", "players x matches", f"{d['players']:,} x {d['matches_per_player']}"),
        _one(
            "B6",
            "analysis s (players/s)",
            f"{d['analyze_s']} ({d['players_per_s']})",
            f"< {d['target_s']:.0f} s",
            d["pass"],
        ),
    ]


def _b7(d: dict[str, Any]) -> list[Row]:
    runs = d["runs"]
    no_lanes = runs.get("no lanes")
    rows = [
        _one("B7", "updater alone on an idle key s", runs["idle"]["updater_wall_s"]),
        _one(
            "B7",
            "updater behind a low backlog s (x idle)",
            f"{runs['lanes']['updater_wall_s']} ({d['ratio']}x)",
            "<= 1.5x",
            d["ratio"] <= 1.5 and d["app_429"] == d["method_429"] == 0,
        ),
        _one("B7", "429s app / method / service", _429s(d)),
    ]
    if no_lanes:
        rows.append(
            _one(
                "B7",
                "same without lanes s (x idle)",
                f"{no_lanes['updater_wall_s']} ({d['ratio_no_lanes']}x)",
            )
        )
    return rows


def _b8(d: dict[str, Any]) -> list[Row]:
    t = d["targets"]
    rows = [
        _one(
            "B8",
            f"{region} answered, phase s (utilization)",
            f"{r['answered']}, {r['phase_s']} ({r['utilization']})",
            f">= {t['region_utilization']}",
            r["utilization"] is not None and r["utilization"] >= t["region_utilization"],
        )
        for region, r in d["regions"].items()
    ]
    rows += [
        _one(
            "B8",
            f"combined answered req/s ({d['workload']['tracking_order']})",
            d["combined_answered_per_s"],
            f">= {t['combined_per_s']:.0f}",
            d["met"]["combined"],
        ),
        _one("B8", "429s app / method / service", _429s(d), "0 app+method",
             d["app_429"] + d["method_429"] == 0),
    ]  # fmt: skip
    cpu = d.get("cpu")
    if cpu:  # what bounds B8 on a small host: the CPU the client and the sandbox share
        rows.append(
            _one(
                "B8",
                "CPU ms/request riotjobs, sandbox (host busy, steal)",
                f"{cpu['riotjobs_ms_per_request']}, {cpu['sandbox_ms_per_request']}"
                f" ({cpu['host_busy_share']}, {cpu['host_steal_share']})",
            )
        )
    return rows


def _b9(d: dict[str, Any]) -> list[Row]:
    return [
        _one(
            "B9",
            f"{d['answered_busiest']} answered in s (bound {d['bound_s']} s)",
            d["request_phase_s"],
        ),
        _one("B9", "utilization", d["utilization"], ">= 0.97", (d["utilization"] or 0) >= 0.97),
        _one("B9", "429s app / method / service", _429s(d), "0 app+method",
             d["app_429"] + d["method_429"] == 0),
    ]  # fmt: skip


def _sandbox(d: dict[str, Any]) -> list[Row]:
    return [
        _one(
            "sandbox",
            f"{mix} mix req/s",
            r["rps"],
            f">= {d['target_rps']:.0f}",
            r["rps"] >= d["target_rps"] and r["errors"] == 0,
        )
        for mix, r in d["mixes"].items()
    ]


# name -> (script, full-size args, quick args, summary)
BENCHMARKS: dict[str, tuple[str, list[str], list[str], Summary]] = {
    "b1": ("b1_throughput.py", ["--repeat", "2"], ["--players", "2", "--matches", "10"], _b1),
    "b1s": ("b1_throughput.py", ["--short", "--repeat", "3"], ["--short", "--no-peer"], _b1),
    "b2": ("b2_two_processes.py", [], ["--timeout", "15", "--discovered", "4"], _b2),
    "b2s": ("b2_two_processes.py", ["--short", "--repeat", "2"], ["--short", "--no-peer"], _b2),
    "b3": ("b3_ingest.py", [], ["--matches", "100"], _b3),
    "b4": ("b4_status_scale.py", [], ["--rows", "5000", "--repeat", "1"], _b4),
    "b5": ("b5_startup.py", [], ["--repeat", "2"], _b5),
    "b6": ("b6_analysis.py", [], ["--players", "100", "--matches", "10"], _b6),
    "b7": (
        "b7_priorities.py",
        [],
        ["--no-compare", "--repeat", "1", "--discovered", "10", "--head-start", "3"],
        _b7,
    ),
    "b8": ("b8_regions.py", [], ["--players", "1", "--matches", "5"], _b8),
    "b9": ("b9_production.py", [], ["--players", "2", "--matches", "10", "--league", "1000"], _b9),
    "sandbox": ("sandbox_throughput.py", [], ["--seconds", "1"], _sandbox),
}


def run_one(name: str, quick: bool) -> tuple[dict[str, Any] | None, str | None, float]:
    script, full, small, _ = BENCHMARKS[name]
    args = [sys.executable, str(HERE / script), *(small if quick else full), "--json"]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=1200)
    took = time.perf_counter() - started
    try:
        doc: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return None, f"exit {done.returncode}: " + " | ".join(tail), took
    return doc, None, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smallest sizes (smoke run)")
    parser.add_argument("--json", action="store_true", help="print all results as JSON")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")

    started = time.perf_counter()
    docs: dict[str, Any] = {}
    rows: list[Row] = []
    for name in names:
        if not args.json:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        doc, error, took = run_one(name, args.quick)
        docs[name] = doc if doc is not None else {"error": error}
        if doc is None:
            rows.append(_one(_label(name), "FAILED", error, "", False))
            continue
        rows += BENCHMARKS[name][3](doc)
        rows.append(_one(_label(name), "benchmark wall s", round(took, 1)))
    meta = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "quick": args.quick,
        "total_s": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": docs}, indent=2, default=str))
        return
    print(
        f"\nriotjobs benchmarks, {meta['date']}, nproc {meta['nproc']}, load average at the end"
        f" {meta['load_average']}, total {meta['total_s']} s"
        + (" (quick sizes: figures not meaningful)" if args.quick else "")
    )
    header = ("bench", "figure", "riotjobs", *PEERS, "target", "met")
    table = [header] + [
        (b, f, _fmt(v), _fmt(w), _fmt(p), t, "" if m is None else ("yes" if m else "NO"))
        for b, f, v, w, p, t, m in rows
    ]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for i, r in enumerate(table):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _label(name: str) -> str:
    return name if name == "sandbox" else name.upper().replace("S", "s")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


if __name__ == "__main__":
    main()
