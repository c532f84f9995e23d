"""Running one job: the lock, the run record, the watchdog and the task, from start to exit code."""

from riotjobs.runner.core import run_job
from riotjobs.runner.hooks import NO_HOOKS, FinishedRun, RunHooks, RunResult

__all__ = ["NO_HOOKS", "FinishedRun", "RunHooks", "RunResult", "run_job"]
