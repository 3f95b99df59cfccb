from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class HistoryEvent(Base):
    """Append-only record of what happened to a case, who did it and when."""

    __tablename__ = "history_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    user: Mapped[str | None] = mapped_column(String(120))
    task_id: Mapped[int | None] = mapped_column()
    element_id: Mapped[str | None] = mapped_column(String(255))
    element_name: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, object] | None] = mapped_column(JSON)
    as_operator: Mapped[bool] = mapped_column(default=False)
    """Done in operator mode (the command line's --operator), bypassing the access policy."""


Index("ix_history_case", HistoryEvent.case_id, HistoryEvent.id)
Index("ix_history_user_at", HistoryEvent.user, HistoryEvent.at)
