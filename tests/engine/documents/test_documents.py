"""Documents: uploads through a task's file picker, versions per field, who may read them
(engine.documents)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.documents.service import (
    case_documents,
    document_content,
    readable_document,
    upload_for_start,
    upload_for_task,
)
from engine.documents.sniff import clean_name, sniff
from engine.documents.storage import FolderBackend, store_from_setting
from engine.errors import InvalidInput, PermissionDenied
from engine.runtime.cases import start_case
from engine.runtime.context import Runtime
from engine.runtime.tasks import complete_task
from engine.store.models import DocumentContent
from tests.engine.notify.conftest import Paper, paper, smtp_server

__all__ = ["paper", "smtp_server"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def write_with(paper: Paper, case_id: int, refs: list[dict[str, Any]], user: str = "ana") -> None:
    task = paper.open_task(case_id, "write")
    complete_task(paper.session, task.id, user=paper.who(user),
                  data={"title": "On tides", "summary": "Tides.", "paper": refs})
    paper.work()


def upload(paper: Paper, case_id: int, name: str, data: bytes, user: str = "ana") -> dict[str, Any]:
    task = paper.open_task(case_id, "write")
    return upload_for_task(paper.session, paper.who(user), task.id, name=name, data=data).reference()


def test_types_come_from_the_bytes_not_the_name() -> None:
    assert sniff("tor.pdf", PDF) == "application/pdf"
    assert sniff("tor.docx", docx()).endswith("wordprocessingml.document")
    assert sniff("notes", "Olá, 你好\n".encode()) == "text/plain"
    with pytest.raises(InvalidInput, match=r"tor\.pdf is named \.pdf but holds DOCX content"):
        sniff("tor.pdf", docx())
    with pytest.raises(InvalidInput, match=r"run\.exe is an EXE file: upload a PDF"):
        sniff("run.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64))
    with pytest.raises(InvalidInput, match="not a type we accept"):
        sniff("data.bin", bytes(range(256)))
    assert clean_name("../../etc/pass<wd>.txt") == "pass_wd_.txt"
    assert clean_name("C:\\Users\\ana\\ToR v1.pdf") == "ToR v1.pdf"


def test_a_revision_adds_a_version_and_both_stay_readable(paper: Paper) -> None:
    case_id = paper.start()
    v1 = upload(paper, case_id, "tor.pdf", PDF)
    write_with(paper, case_id, [v1])
    paper.review(case_id, "revise")
    # the form comes back with v1: sent unchanged it stays v1, replaced it becomes v2
    v2 = upload(paper, case_id, "tor-v2.pdf", PDF + b"% revised\n")
    write_with(paper, case_id, [v2])
    listed = case_documents(paper.session, paper.who("rita"), case_id)
    assert [(d.field, d.version, d.name) for d in listed] == [("paper", 1, "tor.pdf"),
                                                             ("paper", 2, "tor-v2.pdf")]
    view, data = document_content(paper.session, paper.who("rui"), listed[0].id)
    assert data == PDF and view.content_type == "application/pdf" and view.uploaded_by == "ana"
    assert paper.session.get(DocumentContent, view.sha256) is not None


def test_a_document_is_the_cases_people_only(paper: Paper) -> None:
    case_id = paper.start()
    ref = upload(paper, case_id, "tor.pdf", PDF)
    with pytest.raises(PermissionDenied):  # a draft: its uploader's (and staff's) only
        readable_document(paper.session, paper.who("rui"), ref["document_id"])
    assert readable_document(paper.session, paper.who("sec"), ref["document_id"]).version is None
    write_with(paper, case_id, [ref])
    assert readable_document(paper.session, paper.who("rui"), ref["document_id"]).version == 1
    with pytest.raises(PermissionDenied):
        document_content(paper.session, paper.who("otto"), ref["document_id"])
    with pytest.raises(PermissionDenied):
        case_documents(paper.session, paper.who("otto"), case_id)


def test_references_are_checked_and_rewritten_from_the_database(paper: Paper) -> None:
    first = paper.start("First")
    second = paper.start("Second")
    theirs = upload(paper, second, "other.pdf", PDF)
    with pytest.raises(InvalidInput, match="uploaded for another case"):
        write_with(paper, first, [theirs])
    paper.session.rollback()
    with pytest.raises(InvalidInput, match="there is no document 999"):
        write_with(paper, first, [{"document_id": 999, "name": "x.pdf"}])
    paper.session.rollback()
    mine = upload(paper, first, "tor.pdf", PDF)
    write_with(paper, first, [{**mine, "name": "innocent.txt", "size": 1, "content_type": "text/html"}])
    stored = paper.session.scalar(select(DocumentContent.size))
    data = case_documents(paper.session, paper.who("ana"), first)[0]
    assert (data.name, data.content_type, data.size) == ("tor.pdf", "application/pdf", stored)


def test_someone_elses_draft_cannot_be_sent(paper: Paper) -> None:
    case_id = paper.start()
    write_with(paper, case_id, [upload(paper, case_id, "tor.pdf", PDF)])
    review = paper.open_task(case_id, "review")
    rui_doc = upload_for_task(paper.session, paper.who("rui"), review.id, name="notes.txt", data=b"notes")
    paper.review(case_id, "revise")
    with pytest.raises(InvalidInput, match="uploaded by someone else"):
        write_with(paper, case_id, [rui_doc.reference()])


def test_only_who_may_complete_the_task_uploads_within_the_size_limit(paper: Paper, runtime: Runtime) -> None:
    case_id = paper.start()
    task = paper.open_task(case_id, "write")
    with pytest.raises(PermissionDenied):
        upload_for_task(paper.session, paper.who("rui"), task.id, name="x.pdf", data=PDF)
    runtime.documents.max_bytes = 100
    with pytest.raises(InvalidInput, match="a document may have at most"):
        upload_for_task(paper.session, paper.who("ana"), task.id, name="x.pdf", data=PDF + bytes(200))
    with pytest.raises(InvalidInput, match="is empty"):
        upload_for_task(paper.session, paper.who("ana"), task.id, name="x.pdf", data=b"")


def test_a_start_forms_upload_joins_the_case_it_starts(paper: Paper) -> None:
    ana: Actor = paper.who("ana")
    outline = upload_for_start(paper.session, ana, "paper_review", name="outline.txt", data=b"1. Tides")
    case = start_case(paper.session, "paper_review", user=ana,
                      data={"title": "On tides", "outline": [outline.reference()]})
    [doc] = case_documents(paper.session, ana, case.id)
    assert (doc.field, doc.version, doc.case_id) == ("outline", 1, case.id)
    assert case.data["outline"][0]["version"] == 1


def test_a_folder_store_keeps_the_bytes_outside_the_database(paper: Paper, runtime: Runtime,
                                                            tmp_path: Path, session: Session) -> None:
    runtime.documents = store_from_setting(f"folder:{tmp_path}")
    assert isinstance(runtime.documents.backend, FolderBackend)
    case_id = paper.start()
    ref = upload(paper, case_id, "tor.pdf", PDF)
    content = session.scalars(select(DocumentContent)).one()
    assert content.data is None and (tmp_path / content.sha256[:2] / content.sha256).read_bytes() == PDF
    assert document_content(paper.session, paper.who("ana"), ref["document_id"])[1] == PDF
    with pytest.raises(InvalidInput):
        store_from_setting("s3://bucket")
