"""The case row says whether it has background work (jobs, message subscriptions).

Revision ID: e7c41c39f7b9
Revises: d542345b7d10
Create Date: 2026-11-30 03:03:28.845983
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e7c41c39f7b9'
down_revision = 'd542345b7d10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('background', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # Cases that have jobs or subscriptions now: their next save reads them.
    op.execute("UPDATE case_instance SET background = (EXISTS (SELECT 1 FROM job "
               "WHERE job.case_id = case_instance.id) OR EXISTS (SELECT 1 FROM message_subscription "
               "WHERE message_subscription.case_id = case_instance.id))")


def downgrade() -> None:
    with op.batch_alter_table('case_instance', schema=None) as batch_op:
        batch_op.drop_column('background')
