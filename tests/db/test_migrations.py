"""The Alembic migrations and the SQLModel models agree, and upgrades are idempotent."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import riotjobs.db.models  # noqa: F401
from riotjobs.db import migrate
from riotjobs.db.engine import create_engine, to_sqlalchemy
from tests.pgharness import PgServer


def test_head_constant_matches_alembic() -> None:
    assert migrate.script_head() == migrate.HEAD


def test_models_and_migrations_agree(engine: Any) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_upgrade_on_empty_database_then_again_changes_nothing(pg_server: PgServer) -> None:
    name = pg_server.next_name()
    url = to_sqlalchemy(pg_server.create(name))
    engine = create_engine(url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD
        tables = set(inspect(engine).get_table_names())
        assert {
            "players",
            "matches",
            "match_participants",
            "player_ranks",
            "player_analysis",
            "job_configurations",
            "job_executions",
            "rate_limit_scopes",
        } <= tables

        def snapshot() -> list[Any]:
            with engine.connect() as conn:
                return list(
                    conn.exec_driver_sql(
                        "SELECT table_name, column_name, data_type FROM information_schema.columns"
                        " WHERE table_schema = 'public' ORDER BY 1, 2"
                    )
                )

        before = snapshot()
        migrate.upgrade(engine)
        assert snapshot() == before
        assert migrate.current_revision(engine) == migrate.HEAD
    finally:
        engine.dispose()
        pg_server.drop(name)


def test_datetimes_are_timezone_aware(engine: Any) -> None:
    with engine.connect() as conn:
        naive = list(
            conn.exec_driver_sql(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"
            )
        )
    assert naive == []
