"""What people add to a case besides the process: comments, documents, drafts.

- `case_comment`: who wrote what (Markdown source) and when, on a case or one of its tasks.
- `document` + `document_content`: an uploaded file's metadata (name, type sniffed from its
  bytes, size, hash, uploader, the form field it was given for and its version there) and
  its bytes, stored once per SHA-256 (in the database, or in a folder: `data` is then NULL).
  A document is a draft of its uploader until a submitted form attaches it; attaching gives
  it the next version of its field in the case (the ToR v1, v2 ...).
- `task_draft`: a person's unsent input of a task's form, saved as they type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class Comment(Base):
    __tablename__ = "case_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


Index("ix_case_comment_case", Comment.case_id, Comment.id)


class DocumentContent(Base):
    __tablename__ = "document_content"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The bytes, or NULL when a folder store keeps them (engine.documents.storage)."""
    created_at: Mapped[datetime]


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    """None while a start form's upload waits for its case to start."""
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    process_id: Mapped[str | None] = mapped_column(String(255))
    field: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("document_content.sha256"))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime]
    version: Mapped[int | None] = mapped_column(Integer)
    """Set when a submitted form attaches it: 1, 2 ... per (case, field)."""
    attached_at: Mapped[datetime | None]


Index("ix_document_case_field", Document.case_id, Document.field, Document.version)
Index("ix_document_uploader", Document.uploaded_by, Document.attached_at)


class TaskDraft(Base):
    __tablename__ = "task_draft"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"),
                                         primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


__all__ = ["Comment", "Document", "DocumentContent", "TaskDraft"]
