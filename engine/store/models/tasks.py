from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.db import Base


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    """Projection of a READY manual task: what the inbox reads."""

    __tablename__ = "human_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    process_id: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(255))
    assignee: Mapped[str | None] = mapped_column(String(120))
    form_id: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), default=TaskState.OPEN)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(120))
    documentation: Mapped[str | None] = mapped_column(Text)
    personal: Mapped[bool] = mapped_column(default=False)
    """Given to one person by the process (e.g. the case's initiator): it cannot be given back."""
    subject: Mapped[str | None] = mapped_column(String(255))
    """Whom the task is for, in words (a body's or organisation's name), for the inbox."""
    candidates: Mapped[list[TaskCandidate]] = relationship(
        back_populates="task", cascade="all, delete-orphan", lazy="selectin")

    @property
    def candidate_groups(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "group")

    @property
    def candidate_users(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "user")

    @property
    def candidate_bodies(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "body")

    @property
    def candidate_organisations(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "org")


class TaskCandidate(Base):
    """One group or user who may claim a task; indexed for the inbox query."""

    __tablename__ = "human_task_candidate"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)  # group | user | body | org
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    task: Mapped[HumanTask] = relationship(back_populates="candidates")


Index("ix_human_task_case_state", HumanTask.case_id, HumanTask.state)
Index("ix_human_task_assignee_state", HumanTask.assignee, HumanTask.state, HumanTask.created_at)
Index("ix_human_task_state_due", HumanTask.state, HumanTask.due_at)
Index("ix_human_task_spiff", HumanTask.case_id, HumanTask.spiff_task_id)
Index("ix_human_task_completed_by", HumanTask.completed_by)
Index("ix_human_task_state_created", HumanTask.state, HumanTask.created_at)
Index("ix_task_candidate_lookup", TaskCandidate.kind, TaskCandidate.name, TaskCandidate.task_id)
# The group tab reads open, unassigned tasks oldest first: a partial index serves it in order.
Index("ix_human_task_open_unassigned", HumanTask.created_at, HumanTask.id,
      postgresql_where=text("state = 'open' AND assignee IS NULL"),
      sqlite_where=text("state = 'open' AND assignee IS NULL"))
# Text search (ILIKE '%...%') on PostgreSQL uses trigram indexes (extension pg_trgm).
Index("ix_human_task_name_trgm", HumanTask.name, postgresql_using="gin",
      postgresql_ops={"name": "gin_trgm_ops"})
