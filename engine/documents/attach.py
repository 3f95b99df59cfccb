"""Attaching uploaded documents to a case when a form that refers to them is submitted.

A form's file picker holds references `{"document_id": 12, ...}`. When the form is submitted
(`complete_task`, `start_case`), each reference is checked: the document exists, belongs to
this case (or, for a start form, is the starter's own upload for this process), and a draft
is the submitter's own. A draft then gets the next version of its field in the case (the
ToR v1, v2 ...); a reference to an attached document keeps it as it is. The references are
rewritten from the database (name, type, size, version): what the browser sent besides the
id is not trusted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import Actor
from engine.documents.views import DocumentView
from engine.errors import InvalidInput
from engine.store.models import Case, Document


def _references(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and "document_id" in item for item in value)


def _next_version(session: Session, case_id: int | None, field: str) -> int:
    if case_id is None:
        return 1
    top = session.scalar(select(func.max(Document.version)).where(Document.case_id == case_id,
                                                                  Document.field == field))
    return int(top or 0) + 1


def _attach_one(session: Session, ref: dict[str, Any], field: str, *, case: Case | None,
                process_id: str, user: Actor, task_id: int | None, bound: list[Document],
                versions: dict[str, int]) -> dict[str, Any]:
    document_id = ref.get("document_id")
    row = session.get(Document, document_id) if isinstance(document_id, int) else None
    if row is None:
        raise InvalidInput(f"{field}: there is no document {document_id!r}", field=field)
    case_id = case.id if case is not None else None
    if row.version is not None:
        if row.case_id != case_id or case_id is None:
            raise InvalidInput(f"{field}: document {row.id} ({row.name}) belongs to another case",
                               field=field)
        return DocumentView.of(row).reference()
    if row.uploaded_by != user.username:
        raise InvalidInput(f"{field}: document {row.id} ({row.name}) was uploaded by someone else and "
                           "not sent yet", field=field)
    mine = row.case_id == case_id if case_id is not None else (row.case_id is None
                                                               and row.process_id == process_id)
    if not mine:
        raise InvalidInput(f"{field}: document {row.id} ({row.name}) was uploaded for another case",
                           field=field)
    row.field = field
    if field not in versions:  # the files sent together in a field make one version of it
        versions[field] = _next_version(session, case_id, field)
    row.version = versions[field]
    row.attached_at = clock.now()
    row.task_id = task_id if task_id is not None else row.task_id
    session.flush()
    bound.append(row)
    return DocumentView.of(row).reference()


def attach_documents(session: Session, data: dict[str, Any], *, case: Case | None, process_id: str,
                     user: Actor, task_id: int | None = None) -> tuple[dict[str, Any], list[Document]]:
    """The submitted data with its document references checked and rewritten, and the drafts it
    attached (a start form's: the caller sets their case once the case exists)."""
    bound: list[Document] = []
    versions: dict[str, int] = {}

    def walk(value: Any, key: str | None) -> Any:
        if key is not None and _references(value):
            return [_attach_one(session, item, key, case=case, process_id=process_id, user=user,
                                task_id=task_id, bound=bound, versions=versions) for item in value]
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return value

    return walk(data, None), bound


__all__ = ["attach_documents"]
