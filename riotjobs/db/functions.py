"""The database functions' text: each version of each function is one file in ``db/sql``
(``<name>_v<N>.sql``), installed by the migration that introduced it. Files are history: a
new behaviour is a new version and a new migration, never an edit. ``CURRENT`` names the
versions the head migration leaves installed; a test compares them with the live functions.
"""

from __future__ import annotations

from pathlib import Path

SQL = Path(__file__).with_name("sql")

# The limiter's functions at the head revision (migration 0007).
CURRENT = {
    "riotjobs_rl_limits": 1,
    "riotjobs_rl_counted": 1,
    "riotjobs_rl_ours": 1,
    "riotjobs_rl_take": 2,
    "riotjobs_rl_done": 3,
}


def function_sql(name: str, version: int) -> str:
    """The ``CREATE OR REPLACE FUNCTION`` statement of one version of a function."""
    return (SQL / f"{name}_v{version}.sql").read_text(encoding="utf-8")
