"""Alembic, driven from code: the migrations ship inside the package, no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg
    from alembic.config import Config
    from sqlalchemy.engine import Engine

# The newest revision in migrations/versions. Checked against Alembic by a test, and kept here
# so that commands can compare schemas without loading Alembic.
HEAD = "0005"
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        if not exists:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def revision_of(conn: psycopg.Connection[Any]) -> str | None:
    """``current_revision`` on a plain psycopg connection (no SQLAlchemy)."""
    exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    if not (exists and exists[0]):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Concurrent callers serialise on an advisory lock."""
    from alembic import command
    from sqlalchemy import text

    with engine.connect() as conn:
        # Two cron jobs may start on a fresh embedded database at the same moment.
        conn.execute(text("SELECT pg_advisory_lock(hashtext('riotjobs:migrate'))"))
        try:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('riotjobs:migrate'))"))
            conn.commit()


def script_head() -> str | None:
    from alembic.script import ScriptDirectory

    cfg = alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head()
