"""Documents: upload, list, read.

- An upload is for a task the uploader may complete (or for a start form they may send): its
  size is bounded (the runtime's `DocumentStore.max_bytes`), its type read from its bytes
  (engine.documents.sniff); it is stored once per SHA-256. Until a submitted form refers to
  it, it is a draft that only its uploader (and staff) may read.
- A submitted form that refers to a draft attaches it (engine.documents.attach): it gets the
  next version of its field in the case (the ToR v1, v2 ...).
- An attached document is readable by whoever may see its case (engine.access.policy).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.start_rights import require_start
from engine.access.users import Actor
from engine.documents.sniff import clean_name, sniff
from engine.documents.views import DocumentView
from engine.errors import CaseNotActive, InvalidInput, NotFound, PermissionDenied
from engine.runtime.context import runtime_of
from engine.runtime.tasks import readable_task
from engine.store.models import Case, CaseStatus, Document, DocumentContent, TaskState

MAX_FIELD = 255


def _field(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_FIELD:
        raise InvalidInput(f"a form field name is at most {MAX_FIELD} characters", field="field")
    return text or None


def _store(session: Session, name: str, data: bytes) -> tuple[str, str, str]:
    """(clean name, content type, sha256) of accepted bytes, kept once per hash."""
    store = runtime_of(session).documents
    clean = clean_name(name)
    if not data:
        raise InvalidInput(f"{clean} is empty", field="file")
    if len(data) > store.max_bytes:
        raise InvalidInput(f"{clean} has {len(data) / 1048576:.1f} MB; a document may have at most "
                           f"{store.max_bytes / 1048576:.0f} MB", field="file")
    mime = sniff(clean, data)
    digest = hashlib.sha256(data).hexdigest()
    if session.get(DocumentContent, digest) is None:
        session.add(DocumentContent(sha256=digest, size=len(data), created_at=clock.now(),
                                    data=store.backend.put(digest, data)))
        session.flush()  # before the document row that refers to it
    return clean, mime, digest


def upload_for_task(session: Session, user: Actor, task_id: int, *, name: str, data: bytes,
                    field: str | None = None) -> DocumentView:
    """A draft document for the form of a task the user may complete now."""
    task = readable_task(session, task_id, user)
    if task.state != TaskState.OPEN or not policy.may_complete(task, user):
        raise policy.why_not(task, user, "attach documents to")
    status = session.scalar(select(Case.status).where(Case.id == task.case_id))
    if status != CaseStatus.RUNNING:
        raise CaseNotActive(f"case {task.case_id} is {status}; documents cannot be added now",
                            case_id=task.case_id, status=status)
    clean, mime, digest = _store(session, name, data)
    row = Document(case_id=task.case_id, task_id=task.id, process_id=task.process_id,
                   field=_field(field), name=clean, content_type=mime, size=len(data), sha256=digest,
                   uploaded_by=user.username, uploaded_at=clock.now())
    session.add(row)
    session.flush()
    return DocumentView.of(row)


def upload_for_start(session: Session, user: Actor, process_id: str, *, name: str, data: bytes,
                     field: str | None = None) -> DocumentView:
    """A draft document for the start form of a process the user may start."""
    require_start(session, user, process_id)
    clean, mime, digest = _store(session, name, data)
    row = Document(case_id=None, process_id=process_id, field=_field(field), name=clean,
                   content_type=mime, size=len(data), sha256=digest, uploaded_by=user.username,
                   uploaded_at=clock.now())
    session.add(row)
    session.flush()
    return DocumentView.of(row)


def readable_document(session: Session, user: Actor, document_id: int) -> DocumentView:
    """An attached document for whoever may see its case; a draft for its uploader and staff."""
    row = session.get(Document, document_id)
    if row is None:
        raise NotFound(f"unknown document {document_id}", document_id=document_id)
    if row.version is None:
        if row.uploaded_by != user.username and not policy.is_staff(user):
            raise PermissionDenied(f"document {document_id} is someone's draft", document_id=document_id)
    elif row.case_id is not None:
        policy.require_case_view(session, user, row.case_id)
    return DocumentView.of(row)


def document_content(session: Session, user: Actor, document_id: int) -> tuple[DocumentView, bytes]:
    view = readable_document(session, user, document_id)
    content = session.get(DocumentContent, view.sha256)
    if content is None:
        raise NotFound(f"the content of document {document_id} is missing", document_id=document_id)
    return view, runtime_of(session).documents.backend.get(view.sha256, content.data)


def case_documents(session: Session, user: Actor, case_id: int) -> list[DocumentView]:
    """The case's attached documents, by field then version."""
    policy.require_case_view(session, user, case_id)
    rows = session.scalars(select(Document).where(Document.case_id == case_id,
                                                  Document.version.is_not(None))
                           .order_by(Document.field, Document.version, Document.id)).all()
    return [DocumentView.of(r) for r in rows]


__all__ = ["DocumentView", "case_documents", "document_content",
           "readable_document", "upload_for_start", "upload_for_task"]
