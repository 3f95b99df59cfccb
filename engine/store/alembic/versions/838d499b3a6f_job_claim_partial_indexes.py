"""Partial indexes for claiming due timers and due jobs of other kinds apart.

Revision ID: 838d499b3a6f
Revises: d9743e0860c6
Create Date: 2026-11-30 05:20:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '838d499b3a6f'
down_revision = 'd9743e0860c6'
branch_labels = None
depends_on = None

TIMERS = "kind = 'timer' AND status = 'ready'"
OTHERS = "kind <> 'timer' AND status = 'ready'"


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_claim_timers', ['due_at', 'id'], unique=False,
                              postgresql_where=sa.text(TIMERS), sqlite_where=sa.text(TIMERS))
        batch_op.create_index('ix_job_claim_others', ['due_at', 'id'], unique=False,
                              postgresql_where=sa.text(OTHERS), sqlite_where=sa.text(OTHERS))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_claim_others')
        batch_op.drop_index('ix_job_claim_timers')
