"""Migration 0005 adds ``cancelled`` to the status CHECK without touching the rows already there."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from riotjobs.db import migrate
from riotjobs.db.engine import create_engine, to_sqlalchemy
from riotjobs.db.vocab import Status
from tests.pgharness import PgServer

_OLD_STATUSES = [s for s in Status if s is not Status.CANCELLED]


def _insert(conn: Any, status: str) -> None:
    conn.execute(
        text(
            "INSERT INTO job_executions (job_id, status, trigger, host, pid, started_at,"
            " timeout_s, error) VALUES ('old', :s, 'cron', 'h', 1, now(), 5, :e)"
        ),
        {"s": str(status), "e": f"was {status}"},
    )


def _history(conn: Any) -> list[Any]:
    # ctid and xmin change when a row is rewritten or updated; relfilenode when the table is.
    return list(
        conn.execute(
            text("SELECT ctid::text, xmin::text, id, status, error FROM job_executions ORDER BY id")
        )
    )


def _relfilenode(conn: Any) -> int:
    return int(
        conn.execute(
            text("SELECT relfilenode FROM pg_class WHERE oid = 'job_executions'::regclass")
        ).scalar_one()
    )


@pytest.fixture
def at_0004(pg_server: PgServer) -> Any:
    name = pg_server.next_name()
    engine = create_engine(to_sqlalchemy(pg_server.create(name)))
    migrate.upgrade(engine, "0004")
    yield engine
    engine.dispose()
    pg_server.drop(name)


def test_upgrade_allows_cancelled_and_keeps_history_untouched(at_0004: Any) -> None:
    with at_0004.begin() as conn:
        for status in _OLD_STATUSES:
            _insert(conn, status)
    with pytest.raises(sqlalchemy.exc.IntegrityError), at_0004.begin() as conn:
        _insert(conn, "cancelled")
    with at_0004.connect() as conn:
        before, node = _history(conn), _relfilenode(conn)

    migrate.upgrade(at_0004)

    with at_0004.connect() as conn:
        assert _history(conn) == before
        assert _relfilenode(conn) == node  # not rewritten
        validated = conn.execute(
            text(
                "SELECT convalidated FROM pg_constraint WHERE conname = 'ck_job_executions_status'"
            )
        ).scalar_one()
        assert validated is True
    with at_0004.begin() as conn:
        _insert(conn, "cancelled")
    with pytest.raises(sqlalchemy.exc.IntegrityError), at_0004.begin() as conn:
        _insert(conn, "canceled")


def test_downgrade_reads_cancelled_runs_as_failed(at_0004: Any) -> None:
    migrate.upgrade(at_0004)
    with at_0004.begin() as conn:
        _insert(conn, "cancelled")
    _downgrade(at_0004, "0004")
    with at_0004.connect() as conn:
        assert [r.status for r in _history(conn)] == ["failed"]
        assert conn.execute(text("SELECT to_regclass('job_cancel_requests')")).scalar() is None


def _downgrade(engine: Any, revision: str) -> None:
    from alembic import command

    with engine.connect() as conn:
        cfg = migrate.alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()
