"""Third-party BPMN files: broken ones are refused with a named reason; the rest deploy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions import deployment as definitions
from engine.definitions.validation import UploadedFile
from engine.errors import DeploymentRefused
from engine.store.models import Deployment, DeploymentFile
from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason=f"BPMN corpus not found at {CORPUS}")
OUTPUT = REPO / "test-output"


def corpus_files(folder: str, *suffixes: str) -> list[Path]:
    root = CORPUS / folder
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


INVALID = corpus_files("invalid", ".bpmn", ".xml", ".txt")
INVALID = [p for p in INVALID if p.name != "SOURCE.txt"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(CORPUS)))
def test_invalid_file_is_refused_with_named_reason(session: Session, path: Path) -> None:
    with pytest.raises(DeploymentRefused) as info:
        definitions.deploy(session, [UploadedFile(path.name, path.read_bytes())])
    problems = info.value.problems
    assert problems, "refused without a reason"
    for problem in problems:
        assert problem.file == path.name
        assert problem.message.strip()
    assert any(p.line or p.element_id or p.process_id for p in problems) or path.suffix == ".txt" \
        or "no executable process" in problems[0].message or "root element" in problems[0].message
    assert session.scalar(select(func.count()).select_from(Deployment)) == 0
    assert session.scalar(select(func.count()).select_from(DeploymentFile)) == 0


def test_miwg_files_deploy_or_are_refused_by_name(session: Session) -> None:
    rows = []
    for path in corpus_files("miwg", ".bpmn"):
        try:
            result = definitions.deploy(session, [UploadedFile(path.name, path.read_bytes())])
            outcome = "deployed " + ", ".join(f"{r.process_id} v{r.version}" for r in result)
        except DeploymentRefused as exc:
            session.rollback()
            outcome = "refused: " + str(exc.problems[0])[:160]
        rows.append(f"{path.relative_to(CORPUS / 'miwg')!s:60} {outcome}")
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "miwg-outcomes.txt").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    assert len(rows) > 50
    assert any(r.split()[1] == "deployed" for r in rows)


UNRUNNABLE = {
    # Camunda 7 examples the engine cannot run, refused with the reason named.
    "loan-granting.bpmn": ["cron expression"],
    "order-handling.bpmn": ["cron expression"],
    "process.bpmn": ["script format 'groovy'"],
}
EXECUTABLE = corpus_files("executable", ".bpmn", ".xml")


@pytest.mark.parametrize("path", EXECUTABLE, ids=lambda p: str(p.relative_to(CORPUS)))
def test_executable_file_deploys(session: Session, path: Path) -> None:
    files = [UploadedFile(path.name, path.read_bytes())]
    if path.name == "CallActivity-Escalation-Test.bpmn20.xml":
        sub = path.with_name("CallActivity-Escalation-Test-Sub.bpmn20.xml")
        files.append(UploadedFile(sub.name, sub.read_bytes()))
    try:
        result = definitions.deploy(session, files)
    except DeploymentRefused as exc:
        reasons = UNRUNNABLE.get(path.name)
        if reasons is None:
            pytest.fail(f"{path.name} refused: {exc}")
        assert all(any(r in p.message for r in reasons) and p.element_id for p in exc.problems), exc
        return
    assert path.name not in UNRUNNABLE
    assert result
