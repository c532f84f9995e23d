"""Helpers shared by commands: settings, database and jobs.yaml, loaded once per command."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from riotjobs.config import JobsConfig, Settings


def settings() -> Settings:
    from riotjobs.config import load_settings

    return load_settings()


def database(cfg: Settings, application_name: str = "riotjobs cli") -> tuple[Engine, str]:
    from riotjobs.db.engine import open_database

    return open_database(**cfg.database(), application_name=application_name)


def jobs(cfg: Settings) -> JobsConfig:
    from riotjobs.config import load_jobs_for
    from riotjobs.tasks.registry import REGISTRY

    return load_jobs_for(cfg, registry=REGISTRY)
