"""The built-in tasks a job can list, and the merged config model of a job's tasks.

Each task module defines ``Config`` (a pydantic model of the config keys it reads, with their
defaults) and ``run(ctx, config) -> TaskOutcome``. Task modules keep heavy imports inside
``run`` so that validating jobs.yaml stays cheap.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from pydantic import BaseModel

    from riotjobs.tasks.base import TaskContext, TaskOutcome

# task name -> module. A job's `tasks:` may only name these.
TASKS: dict[str, str] = {
    "sleep": "riotjobs.tasks.sleep",
    "reap": "riotjobs.tasks.reap",
    "cleanup": "riotjobs.tasks.cleanup",
    "data_quality": "riotjobs.tasks.data_quality",
    "analyze_players": "riotjobs.tasks.analyze_players",
    "update_tracked_players": "riotjobs.tasks.update_tracked_players",
    "fetch_discovered_matches": "riotjobs.tasks.fetch_discovered_matches",
    "check_bans": "riotjobs.tasks.check_bans",
}


class TaskModule(Protocol):
    Config: type[BaseModel]

    def run(self, ctx: TaskContext, config: Any) -> TaskOutcome: ...


def load_task(name: str) -> TaskModule:
    return cast(TaskModule, importlib.import_module(TASKS[name]))


@cache
def _combined(names: tuple[str, ...]) -> type[BaseModel]:
    from pydantic import ConfigDict, create_model

    fields: dict[str, Any] = {}
    for name in names:
        model = load_task(name).Config
        for key, info in model.model_fields.items():
            fields.setdefault(key, (info.annotation, info))
    return create_model(
        "JobConfig_" + "_".join(names),
        __config__=ConfigDict(extra="forbid", frozen=True),
        **fields,
    )


def combined_config_model(names: list[str]) -> type[BaseModel]:
    """One model holding every config key the given tasks declare (first declaration wins)."""
    return _combined(tuple(names))


class _Registry:
    """The built-in tasks as ``riotjobs.config.TaskRegistry``: what jobs.yaml validates against."""

    def names(self) -> Sequence[str]:
        return list(TASKS)

    def config_model(self, names: Sequence[str]) -> type[BaseModel]:
        return _combined(tuple(names))

    def fingerprint(self) -> str:
        """Changes whenever the code that validates jobs.yaml may have: the size and time of
        every module of the package (an editable install changes code without a new version;
        a task's config model may use any of them), and the Python. ``riotjobs.config`` keys
        its cache on it."""
        package = Path(__file__).resolve().parent.parent
        stamps = [sys.version]
        for folder, dirs, files in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    stamps.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
        return ";".join(stamps)


REGISTRY = _Registry()
