"""Alembic, driven from code: the migrations ship inside the package, no alembic.ini needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riotjobs.errors import ConfigError

if TYPE_CHECKING:
    import psycopg
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions. Checked against Alembic by a test, and kept here
# so that commands can compare schemas without loading Alembic.
HEAD = "0009"
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


def known_revisions() -> list[str]:
    """Every revision this code ships, oldest first (read from the files' ``revision`` line, as
    an id may hold an underscore: no Alembic)."""
    found = []
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        match = _REVISION_RE.search(path.read_text(encoding="utf-8"))
        found.append(match.group(1) if match else path.name.split("_", 1)[0])
    return sorted(found)


_REVISION_RE = re.compile(r"""^revision: str = ["']([^"']+)["']""", re.MULTILINE)


def describe(revision: str | None) -> str:
    """Where a schema at ``revision`` stands relative to this code, in words."""
    if revision == HEAD:
        return "up to date"
    if revision is None:
        return f"empty (this riotjobs needs {HEAD}): run `riotjobs db upgrade`"
    if revision not in known_revisions():
        return (
            f"ahead of this riotjobs: the database is at {revision}, which this code does not "
            f"know (its newest is {HEAD}); upgrade riotjobs"
        )
    return f"behind (this riotjobs needs {HEAD}): run `riotjobs db upgrade`"


def check_revision(revision: str) -> None:
    """Raise ``ConfigError`` unless ``revision`` is ``head`` or one this code ships."""
    if revision != "head" and revision not in known_revisions():
        known = ", ".join(known_revisions())
        raise ConfigError(f"unknown revision {revision[:40]!r}: choose head or one of {known}")


def revision_of(conn: psycopg.Connection[Any]) -> str | None:
    """``current_revision`` on a plain psycopg connection (no SQLAlchemy)."""
    exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    if not (exists and exists[0]):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``revision`` and return (before, after), both read under the lock.
    Concurrent callers serialise on an advisory lock, so only the first reports a change.
    Raises ``ConfigError`` for a revision this code does not know, or a database that is
    ahead of it."""
    from alembic import command
    from alembic.util import CommandError
    from sqlalchemy import text

    check_revision(revision)
    with engine.connect() as conn:
        # Two cron jobs may start on a fresh embedded database at the same moment.
        conn.execute(text("SELECT pg_advisory_lock(hashtext('riotjobs:migrate'))"))
        conn.commit()
        try:
            before = _revision_on(conn)
            if before is not None and before not in known_revisions():
                raise ConfigError("the database schema is " + describe(before))
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
            except CommandError as exc:  # e.g. a target older than the schema
                raise ConfigError(f"cannot upgrade to {revision}: {exc}") from None
            conn.commit()
            return before, _revision_on(conn)
        finally:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('riotjobs:migrate'))"))
            conn.commit()


def _revision_on(conn: Connection) -> str | None:
    from sqlalchemy import text

    exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    if not exists:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def script_head() -> str | None:
    from alembic.script import ScriptDirectory

    cfg = alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head()
