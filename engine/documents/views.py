"""A document as the engine's callers see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.store.models import Document


@dataclass(frozen=True)
class DocumentView:
    id: int
    case_id: int | None
    task_id: int | None
    field: str | None
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    version: int | None

    @property
    def attached(self) -> bool:
        return self.version is not None

    def reference(self) -> dict[str, Any]:
        """What a form's file picker holds (and the case data keeps)."""
        out: dict[str, Any] = {"document_id": self.id, "name": self.name, "size": self.size,
                               "content_type": self.content_type}
        if self.version is not None:
            out["version"] = self.version
        return out

    @classmethod
    def of(cls, row: Document) -> DocumentView:
        return cls(row.id, row.case_id, row.task_id, row.field, row.name, row.content_type, row.size,
                   row.sha256, row.uploaded_by, row.uploaded_at, row.version)


__all__ = ["DocumentView"]
