"""A task's candidates as one text on its row (`human_task.offered_to`), for the inbox's filter.

Revision ID: d9743e0860c6
Revises: e7c41c39f7b9
Create Date: 2026-11-30 04:50:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd9743e0860c6'
down_revision = 'e7c41c39f7b9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_to', sa.Text(), server_default='', nullable=False))
    # Each candidate as kind:name between separators (engine.store.models.tasks.offer_text);
    # the order of the refs does not matter to the filter.
    separator = "chr(31)" if op.get_bind().dialect.name == "postgresql" else "char(31)"
    aggregate = ("string_agg(kind || ':' || name, chr(31))" if op.get_bind().dialect.name == "postgresql"
                 else "group_concat(kind || ':' || name, char(31))")
    op.execute(f"UPDATE human_task SET offered_to = COALESCE((SELECT {separator} || {aggregate} || "
               f"{separator} FROM human_task_candidate c WHERE c.task_id = human_task.id), '')")


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('offered_to')
