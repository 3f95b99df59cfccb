"""user session version: a sign-in stops working once the user signs out or the password changes

Revision ID: 190a18db6cd3
Revises: a33c50983043
Create Date: 2026-11-29 23:07:20.832117
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '190a18db6cd3'
down_revision = 'a33c50983043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
