"""B5: start-up cost of the CLI, as real processes.

Median (and max) wall time of ``--repeat`` runs each of ``riotjobs --help`` and of
``riotjobs run smoke`` where ``smoke`` is disabled in jobs.yaml: the path cron takes every tick
for a job an operator switched off (load settings and jobs.yaml, connect, read the job's
database override, record nothing, exit 0). Targets: 0.3 s and 0.6 s.

    .venv/bin/python benchmarks/b5_startup.py
    .venv/bin/python benchmarks/b5_startup.py --repeat 3 --json
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import _common as c

TARGETS = {"help": 0.3, "disabled_run": 0.6}
JOBS = """\
jobs:
  smoke:
    schedule: "0 * * * *"
    enabled: false
    tasks: [sleep]
    config: {seconds: 1}
"""


def measure(args: list[str], env: dict[str, str], repeat: int) -> dict[str, float]:
    c.timed(args, env)  # warm the OS file cache; not counted
    walls = [c.timed(args, env) for _ in range(repeat)]
    return {"median_s": round(statistics.median(walls), 3), "max_s": round(max(walls), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    with c.scratch_database("rj_b5") as url:
        jobs = c.workdir("rj-b5-") / "jobs.yaml"
        jobs.write_text(JOBS)
        env = c.riotjobs_env(db_url=url, sb=None, jobs_yaml=jobs)
        started = time.perf_counter()
        results = {
            "help": measure(["--help"], env, args.repeat),
            "disabled_run": measure(["run", "smoke"], env, args.repeat),
        }
        executions = c.scalar(url, "SELECT count(*) FROM job_executions")
    doc: dict[str, Any] = {
        "benchmark": "b5_startup",
        "repeat": args.repeat,
        **results,
        "disabled_run_executions_recorded": executions,
        "targets_s": TARGETS,
        "pass": all(results[k]["median_s"] < TARGETS[k] for k in TARGETS),
        "took_s": round(time.perf_counter() - started, 1),
    }
    rows = [
        ("riotjobs --help, median s", results["help"]["median_s"]),
        ("riotjobs --help, max s", results["help"]["max_s"]),
        ("riotjobs run <disabled job>, median s", results["disabled_run"]["median_s"]),
        ("riotjobs run <disabled job>, max s", results["disabled_run"]["max_s"]),
        ("targets (< 0.3 s, < 0.6 s) met", doc["pass"]),
    ]
    c.emit(doc, as_json=args.json, title=f"B5 start-up (median of {args.repeat})", rows=rows)


if __name__ == "__main__":
    main()
