"""players.sync_floor_match_id: where a never-synced tracked player's listings page back to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 08:46:16.935789
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('players', sa.Column('sync_floor_match_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column('players', 'sync_floor_match_id')
