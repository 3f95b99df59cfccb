"""A task's candidates are kept only on its row (`human_task.offered_to`): the candidate table goes.

`offered_to` has held every task's candidates since d9743e0860c6 (filled from this table then,
kept by every write since); the table had become a second copy that every new task paid an
INSERT for and every completion a join.

Revision ID: 5c1f0e2a9b47
Revises: 838d499b3a6f
Create Date: 2026-11-30 07:50:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5c1f0e2a9b47'
down_revision = '838d499b3a6f'
branch_labels = None
depends_on = None

SEPARATOR = "\x1f"


def upgrade() -> None:
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_task_candidate_lookup')
    op.drop_table('human_task_candidate')


def downgrade() -> None:
    op.create_table('human_task_candidate',
                    sa.Column('task_id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=5), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('task_id', 'kind', 'name'))
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_task_candidate_lookup', ['kind', 'name', 'task_id'], unique=False)
    bind = op.get_bind()
    rows = [{"task_id": task_id, "kind": kind, "name": name}
            for task_id, offered_to in bind.execute(sa.text(
                "SELECT id, offered_to FROM human_task WHERE offered_to <> ''"))
            for kind, _, name in (ref.partition(":") for ref in offered_to.split(SEPARATOR) if ref)]
    if rows:
        bind.execute(sa.text("INSERT INTO human_task_candidate (task_id, kind, name) "
                             "VALUES (:task_id, :kind, :name)"), rows)
