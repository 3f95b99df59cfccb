"""work plan activities per submission

Revision ID: 03f38228ec5a
Revises: 2ad31f178ed9
Create Date: 2026-11-30 01:55:34.980395
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.store.db


revision = '03f38228ec5a'
down_revision = '2ad31f178ed9'
branch_labels = None
depends_on = None


# The initial schema's unique (work_plan_id, committee_name) had no name: PostgreSQL named it
# itself; on SQLite batch mode finds it through a naming convention.
OLD_UNIQUE_PG = "registry_work_plan_activities_work_plan_id_committee_name_key"
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
OLD_UNIQUE_SQLITE = "uq_registry_work_plan_activities_work_plan_id"


def _activities() -> object:
    if op.get_bind().dialect.name == "sqlite":
        return op.batch_alter_table("registry_work_plan_activities", naming_convention=SQLITE_NAMES)
    return op.batch_alter_table("registry_work_plan_activities")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with _activities() as batch_op:  # type: ignore[attr-defined]
        batch_op.drop_constraint(OLD_UNIQUE_SQLITE if sqlite else OLD_UNIQUE_PG, type_="unique")
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("submitted_at", engine.store.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("board_comment", sa.Text(), nullable=True))
        batch_op.create_unique_constraint("uq_registry_work_plan_activity",
                                          ["work_plan_id", "case_id", "committee_name", "position"])

    with op.batch_alter_table("registry_work_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amended_at", engine.store.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("amended_by_case_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_work_plans", schema=None) as batch_op:
        batch_op.drop_column("amended_by_case_id")
        batch_op.drop_column("amended_at")

    with op.batch_alter_table("registry_work_plan_activities", schema=None) as batch_op:
        batch_op.drop_constraint("uq_registry_work_plan_activity", type_="unique")
        batch_op.drop_column("board_comment")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("position")
        batch_op.create_unique_constraint(None, ["work_plan_id", "committee_name"])
