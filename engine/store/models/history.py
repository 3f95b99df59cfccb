from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
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
    request_id: Mapped[str | None] = mapped_column(String(64))
    """The HTTP request (or worker job) during which the event was written, for the logs."""


Index("ix_history_case", HistoryEvent.case_id, HistoryEvent.id)
Index("ix_history_user_at", HistoryEvent.user, HistoryEvent.at)


class CaseArchive(Base):
    """The history of a long-finished case, moved out of `history_event` and compressed.

    `events` is zlib-compressed JSON: the case's history rows as they were (ids kept), so
    `case_history` still returns them, merged with any row written after archiving.
    """

    __tablename__ = "case_archive"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"),
                                         primary_key=True)
    archived_at: Mapped[datetime]
    event_count: Mapped[int] = mapped_column(Integer)
    raw_bytes: Mapped[int] = mapped_column(Integer)
    events: Mapped[bytes] = mapped_column(LargeBinary)
