"""The database functions installed by the migrations are exactly the files in ``db/sql``."""

from __future__ import annotations

import psycopg

from riotjobs.db.functions import CURRENT, SQL, function_sql


def test_live_functions_are_the_current_files(db_url: str) -> None:
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        live = dict(
            conn.execute(
                "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = 'public' AND p.proname LIKE 'riotjobs\\_%'"
            ).fetchall()
        )
    assert sorted(live) == sorted(CURRENT)
    for name, version in CURRENT.items():
        assert live[name].strip() == function_sql(name, version).strip(), name


def test_every_version_has_a_file_and_names_its_function() -> None:
    files = sorted(SQL.glob("*.sql"))
    assert {f.stem.rsplit("_v", 1)[0] for f in files} >= set(CURRENT)
    for f in files:
        name = f.stem.rsplit("_v", 1)[0]
        assert f"FUNCTION {name}(" in f.read_text() or f"FUNCTION public.{name}(" in f.read_text()
