"""Autogenerate an Alembic migration from the models against a scratch database.

    python scripts/new_migration.py "add foo"            # next revision on top of head
    python scripts/new_migration.py --reset "initial"    # rewrite 0001 (only before a release)

The scratch database lives on RIOTJOBS_DEV_DATABASE_URL (default: the local server on
127.0.0.1:5432), and is dropped afterwards.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
from alembic import command

from riotjobs.db import migrate
from riotjobs.db.engine import create_engine, to_sqlalchemy

ADMIN = os.environ.get("RIOTJOBS_DEV_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> None:
    args = sys.argv[1:]
    reset = "--reset" in args
    args = [a for a in args if a != "--reset"]
    message = args[0] if args else "schema change"
    versions = migrate.MIGRATIONS / "versions"
    if reset:
        for path in versions.glob("0001_*.py"):
            path.unlink()
    existing = sorted(p.name[:4] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    rev_id = f"{int(existing[-1]) + 1:04d}" if existing else "0001"
    scratch = f"riotjobs_autogen_{os.getpid()}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    base = ADMIN.rsplit("/", 1)[0]
    engine = create_engine(to_sqlalchemy(f"{base}/{scratch}"))
    try:
        migrate.upgrade(engine)
        cfg = migrate.alembic_config(engine)
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{scratch}" WITH (FORCE)')
    new = next(versions.glob(f"{rev_id}_*.py"))
    src = Path(migrate.__file__).read_text()
    Path(migrate.__file__).write_text(src.replace(f'HEAD = "{migrate.HEAD}"', f'HEAD = "{rev_id}"'))
    print(f"wrote {new}; HEAD is now {rev_id}")


if __name__ == "__main__":
    main()
