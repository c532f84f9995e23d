"""The ``catchup`` run trigger: a missed scheduled run that ``riotjobs catch-up`` ran later.

The trigger CHECK is replaced in place, as 0005 did for the status CHECK: ``NOT VALID`` first
(a brief lock), then ``VALIDATE CONSTRAINT`` under a lock that lets runs go on writing. The
allowed words are spelled out here (a migration must not change when ``db.vocab`` later does);
``tests/db/test_vocab.py`` checks that the live constraint equals the enum.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "'cron', 'manual'"
_NEW = _OLD + ", 'catchup'"


def _replace_check(words: str) -> None:
    op.execute("ALTER TABLE job_executions DROP CONSTRAINT ck_job_executions_trigger")
    op.execute(
        "ALTER TABLE job_executions ADD CONSTRAINT ck_job_executions_trigger"
        f" CHECK (trigger IN ({words})) NOT VALID"
    )
    op.execute("ALTER TABLE job_executions VALIDATE CONSTRAINT ck_job_executions_trigger")


def upgrade() -> None:
    _replace_check(_NEW)


def downgrade() -> None:
    # A catch-up run was started by cron's @reboot line or the reap job: cron, in the older words.
    op.execute("UPDATE job_executions SET trigger = 'cron' WHERE trigger = 'catchup'")
    _replace_check(_OLD)
