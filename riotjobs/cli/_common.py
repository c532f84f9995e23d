"""What commands share: the ``--json`` option, and settings, jobs.yaml and the database, loaded
once per command and closed when it ends.

Read commands take :func:`connection` (one plain psycopg connection: no SQLAlchemy to import);
commands that write through the models take :func:`engine` or :func:`session`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from riotjobs.config import JobsConfig
    from riotjobs.settings import Settings

JSON_HELP = "Print a JSON document on stdout instead of text, for scripts (fields: see the README)."
# One option object serves every command: typer reads it, never changes it.
JSON_OPTION: Any = typer.Option(False, "--json", help=JSON_HELP)

CLI_APPLICATION = "riotjobs cli"


def settings() -> Settings:
    from riotjobs.settings import load_settings

    return load_settings()


def jobs(cfg: Settings) -> JobsConfig:
    from riotjobs.config import load_jobs_for
    from riotjobs.tasks.registry import REGISTRY

    return load_jobs_for(cfg, registry=REGISTRY)


@contextmanager
def engine(
    cfg: Settings | None = None,
    *,
    application_name: str = CLI_APPLICATION,
    check_schema: bool = True,
) -> Iterator[tuple[Engine, str]]:
    """An engine on the database in use (schema checked) and its URL; disposed afterwards."""
    from riotjobs.db.engine import open_database

    cfg = cfg or settings()
    opened, url = open_database(
        **cfg.database(), application_name=application_name, check_schema=check_schema
    )
    try:
        yield opened, url
    finally:
        opened.dispose()


@contextmanager
def session(cfg: Settings | None = None, *, commit: bool = False) -> Iterator[Session]:
    """A model session (objects stay readable after commit); with ``commit``, committed when
    the command's block ends without an error."""
    from sqlmodel import Session

    with engine(cfg) as (opened, _), Session(opened, expire_on_commit=False) as s:
        yield s
        if commit:
            s.commit()


@contextmanager
def connection(
    cfg: Settings | None = None, *, check_schema: bool = True
) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """One plain psycopg connection (autocommit, schema checked) and the URL; closed afterwards.

    The read commands use it: their queries take milliseconds, SQLAlchemy's import does not.
    """
    from riotjobs.db.engine import open_connection

    cfg = cfg or settings()
    conn, url = open_connection(
        **cfg.database(), application_name=CLI_APPLICATION, check_schema=check_schema
    )
    with conn:
        yield conn, url
