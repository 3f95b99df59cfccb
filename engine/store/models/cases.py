from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.db import Base
from engine.store.models.definitions import ProcessDefinition


class CaseStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"
    FAILED = "failed"


class Case(Base):
    """A process instance. `state` is the SpiffWorkflow state without its spec.

    `version` guards every write: `UPDATE ... WHERE version = :read`.
    """

    __tablename__ = "case_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.RUNNING)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    serializer_version: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    failed_element_id: Mapped[str | None] = mapped_column(String(255))
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id"))
    outcome: Mapped[str | None] = mapped_column(String(60))
    """The end the case reached, in the process's words (`established`, `rejected` ...): set by
    an end event's `outcome` property or the case variable `case_outcome` (engine.runtime.outcome)."""
    background: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The case has (or may still have) jobs or message subscriptions: its save reads them only
    then (engine.background.projection). Set by the save that projects them, cleared by the
    first save that finds none left."""
    definition: Mapped[ProcessDefinition] = relationship()


Index("ix_case_process_status", Case.process_id, Case.status)
Index("ix_case_business_key", Case.business_key)
Index("ix_case_started_by", Case.started_by)
Index("ix_case_status_started", Case.status, Case.started_at)
# Linked cases (a task force started by an initiative's message) are found by parent id.
Index("ix_case_parent", Case.parent_case_id)
Index("ix_case_process_outcome", Case.process_id, Case.outcome)
Index("ix_case_title_trgm", Case.title, postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"})
Index("ix_case_business_key_trgm", Case.business_key, postgresql_using="gin",
      postgresql_ops={"business_key": "gin_trgm_ops"})
