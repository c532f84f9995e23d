"""Every benchmark script runs end to end at its smallest size and reports sane figures.

CI does not run the full benchmarks (`make bench`); this keeps them from rotting. Each script
runs as a real process with the quick arguments `run_all.py --quick` uses and ``--json``, on the
test suite's Postgres server. No speed is asserted: only that the figures exist and that the
rate-limit invariants hold (no application or method 429 from riotjobs).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.pgharness import PgServer

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _quick_args() -> dict[str, tuple[str, list[str]]]:
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: (script, quick) for name, (script, _, quick, _) in module.BENCHMARKS.items()}


QUICK = _quick_args()


def _run(pg_server: PgServer, script: str, *args: str, timeout: float = 300) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_API"))}
    env["RIOTJOBS_BENCH_DATABASE_URL"] = pg_server.admin_url
    env["RIOTJOBS_BENCH_PULSEFIRE"] = "skip"  # it needs Python >= 3.12 and the package index
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.stdout, done.stderr[-3000:]
    return done


def _doc(pg_server: PgServer, name: str) -> dict[str, Any]:
    script, quick = QUICK[name]
    done = _run(pg_server, script, *quick, "--json")
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def _no_app_or_method_429(figures: dict[str, Any]) -> None:
    assert figures["app_429"] == 0
    assert figures["method_429"] == 0
    assert figures["max_peak_ratio"] <= 1.0


def test_b1_throughput(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b1")
    ours, peer = doc["riotjobs"], doc["riotwatcher"]
    players, matches = doc["workload"]["players"], doc["workload"]["matches_per_player"]
    # Per player: one match-id list, each unseen match, one league call.
    assert ours["requests"] == players * (matches + 2)
    assert ours["matches_stored"] == players * matches
    assert ours["status"] == "success"
    _no_app_or_method_429(ours)
    assert 0 < ours["bound_s"] < ours["request_phase_s"] <= ours["wall_s"]
    assert 0 < ours["utilization"] <= 1
    assert peer["requests"] >= players * (matches + 2)
    assert peer["matches_fetched"] == players * matches
    assert doc["ratio_ours_to_peer"] > 0
    assert doc["pulsefire"] is None and "skip" in doc["skipped"]["pulsefire"]


def test_b1_short_run(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b1s")
    ours = doc["riotjobs"]
    assert doc["workload"]["short"] and ours["requests"] == 6 * (40 + 2)
    _no_app_or_method_429(ours)
    assert ours["bound_s"] < ours["bound_ids_s"] < ours["request_phase_s"]
    assert 0 < ours["utilization"] < ours["utilization_ids"] <= 1
    assert ours["answered"] == ours["requests"] and ours["answered_per_s"] > 0


def test_b2_two_processes(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b2")
    ours = doc["riotjobs"]
    _no_app_or_method_429(ours)
    assert ours["served_by_routing"]["americas"] > 0
    assert ours["allowed_in_span"] >= 20
    # Served can never exceed what the limits allow: the sandbox would have answered 429.
    assert 0 < ours["utilization"] <= 1
    assert set(ours["statuses"]) == {"tracked_player_updater", "player_analyzer"}
    assert all(s in ("success", "partial", "timeout") for s in ours["statuses"].values())
    assert doc["riotwatcher"]["requests"] > 0


def test_b2_short_run(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b2s")
    ours = doc["riotjobs"]
    _no_app_or_method_429(ours)
    assert doc["workload"]["limits"] == "50:1,1000:60"
    assert set(ours["statuses"].values()) == {"success"}
    assert 0 < ours["utilization_ids"] <= 1


def test_b3_ingest(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b3")
    pipeline, store = doc["pipeline"], doc["store_only"]
    assert pipeline["status"] == "success"
    assert pipeline["matches"] == 100
    # Sandbox ranked games have ten human participants.
    assert pipeline["participant_rows"] == 10 * pipeline["matches"]
    assert pipeline["matches_per_s"] > 0
    assert store["matches"] == pipeline["matches"]
    assert store["participant_rows"] == pipeline["participant_rows"]


def test_b4_status_scale(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b4")
    assert doc["rows"] == 5000
    commands = [r["command"] for r in doc["results"]]
    assert "riotjobs status" in commands and "riotjobs stats" in commands
    assert all(r["median_s"] > 0 for r in doc["results"])


def test_b5_startup(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b5")
    assert 0 < doc["help"]["median_s"] <= doc["help"]["max_s"]
    assert 0 < doc["disabled_run"]["median_s"] <= doc["disabled_run"]["max_s"]


def test_b6_analysis(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b6")
    assert doc["analyzed"] == doc["players"]
    assert doc["failures"] == 0
    assert doc["players_per_s"] > 0


def test_b7_priorities(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b7")
    assert set(doc["runs"]) == {"idle", "lanes"}
    assert all(r["updater_status"] == "success" for r in doc["runs"].values())
    assert doc["app_429"] == doc["method_429"] == 0


def test_b8_regions(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b8")
    assert doc["status"] == "success"
    players, matches = doc["workload"]["players_per_region"], doc["workload"]["matches_per_player"]
    assert doc["matches_stored"] == 4 * players * matches
    # Each region serves its own players' match-id lists and matches, nothing else.
    for region in ("americas", "europe", "asia", "sea"):
        assert doc["regions"][region]["answered"] == players * (matches + 1)
        assert 0 < doc["regions"][region]["utilization"] <= 1
    _no_app_or_method_429(doc)
    assert doc["combined_answered_per_s"] > 0
    # Where the CPU went: the riotjobs child did work; the sandbox and host figures need /proc.
    cpu = doc["cpu"]
    assert cpu["riotjobs_cpu_s"] > 0 and cpu["riotjobs_ms_per_request"] > 0
    if Path("/proc/stat").exists():
        assert cpu["sandbox_cpu_s"] > 0
        assert 0 < cpu["host_busy_share"] <= 1 and 0 <= cpu["host_steal_share"] < 1


def test_b9_production(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "b9")
    players, matches = doc["workload"]["players"], doc["workload"]["matches_per_player"]
    assert doc["status"] == "success" and doc["matches_stored"] == players * matches
    assert doc["answered_busiest"] == players * (matches + 1)
    _no_app_or_method_429(doc)
    assert 0 < doc["utilization"] <= 1


def test_sandbox_throughput(pg_server: PgServer) -> None:
    doc = _doc(pg_server, "sandbox")
    for mix in ("status", "pipeline"):
        assert doc["mixes"][mix]["requests"] > 0
        assert doc["mixes"][mix]["errors"] == 0


def test_run_all_prints_one_table(pg_server: PgServer) -> None:
    done = _run(pg_server, "run_all.py", "--quick", "--only", "b5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("bench"))
    assert lines[header].split() == [
        "bench", "figure", "riotjobs", "riotwatcher", "pulsefire", "target", "met"
    ]  # fmt: skip
    assert any(line.startswith("B5") and "--help" in line for line in lines[header:])
