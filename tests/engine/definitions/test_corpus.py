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


# What each MIWG file gives: a tuple names the processes it deploys; a string is what the
# first problem of its refusal says. A file whose outcome changes must change here too.
NOT_EXECUTABLE = "no executable process"
EMPTY_TIMER = "timer has no timeDuration, timeDate or timeCycle value"
NO_DECISION = "business rule task names no decision (DMN)"
SCRIPT_SYNTAX = "SyntaxError: invalid syntax at statement"
DUPLICATE_ID = "duplicate id 'VacationRequestProcess'"
MISSING_CALLED = "The process 'requestDocument_en' was not found"
Outcome = str | tuple[str, ...]
CAMUNDA = "bpmn.io-camunda-modeler-18.6.1/"
MIWG_OUTCOMES: dict[str, Outcome] = {
    "Reference/A.1.0.bpmn": NOT_EXECUTABLE,
    "Reference/A.2.0.bpmn": NOT_EXECUTABLE,
    "Reference/A.2.1.bpmn": NOT_EXECUTABLE,
    "Reference/A.3.0.bpmn": NOT_EXECUTABLE,
    "Reference/A.4.0.bpmn": NOT_EXECUTABLE,
    "Reference/A.4.1.bpmn": NOT_EXECUTABLE,
    "Reference/B.1.0.bpmn": NOT_EXECUTABLE,
    "Reference/B.2.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.1.0.bpmn": EMPTY_TIMER,
    "Reference/C.1.1.bpmn": SCRIPT_SYNTAX,
    "Reference/C.2.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.3.0.bpmn": SCRIPT_SYNTAX,
    "Reference/C.4.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.5.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.6.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.7.0.bpmn": NOT_EXECUTABLE,
    "Reference/C.8.0.bpmn": DUPLICATE_ID,
    "Reference/C.8.1.bpmn": NO_DECISION,
    "Reference/C.9.0.bpmn": NO_DECISION,
    "Reference/C.9.1.bpmn": ("requestDocument_en",),
    "Reference/C.9.2.bpmn": MISSING_CALLED,
    CAMUNDA + "A.1.0-export.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.1.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.2.0-export.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.2.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.2.0-rountrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.2.1-export.bpmn": "Multiple outgoing flows are not supported for tasks of type",
    CAMUNDA + "A.2.1-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.3.0-export.bpmn": "Exactly one start event is required in a SubWorkflow Task",
    CAMUNDA + "A.3.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.4.0-export.bpmn": ("Process_0elb8rq",),
    CAMUNDA + "A.4.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "A.4.1-export.bpmn": ("Process_0h42ymn",),
    CAMUNDA + "A.4.1-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "B.1.0-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "B.1.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "B.2.0-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "B.2.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.1.0-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.1.0-roundtrip.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.1.1-export.bpmn": "Non-default exclusive outgoing sequence flow without condition",
    CAMUNDA + "C.1.1-roundtrip.bpmn": SCRIPT_SYNTAX,
    CAMUNDA + "C.2.0-export.bpmn": ("Process_1h3m6w5",),
    CAMUNDA + "C.2.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.3.0-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.3.0-roundtrip.bpmn": SCRIPT_SYNTAX,
    CAMUNDA + "C.4.0-export.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.4.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.5.0-export.bpmn": "Cannot resolve dataOutputAssociation",
    CAMUNDA + "C.5.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.6.0-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.6.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.7.0-export.bpmn": NO_DECISION,
    CAMUNDA + "C.7.0-roundtrip.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.8.0-export.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.8.0-roundtrip.bpmn": DUPLICATE_ID,
    CAMUNDA + "C.8.1-export.bpmn": NOT_EXECUTABLE,
    CAMUNDA + "C.8.1-roundtrip.bpmn": NO_DECISION,
    CAMUNDA + "C.9.0-export.bpmn": NO_DECISION,
    CAMUNDA + "C.9.0-roundtrip.bpmn": NO_DECISION,
    CAMUNDA + "C.9.1-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.9.1-roundtrip.bpmn": ("requestDocument_en",),
    CAMUNDA + "C.9.2-export.bpmn": EMPTY_TIMER,
    CAMUNDA + "C.9.2-roundtrip.bpmn": MISSING_CALLED,
}


def test_miwg_files_deploy_or_are_refused_by_name(session: Session) -> None:
    """Every MIWG file gives the outcome MIWG_OUTCOMES names; a refusal names the file and,
    but for a call to a process no file has, the line or element."""
    rows, wrong = [], []
    for path in corpus_files("miwg", ".bpmn"):
        name = str(path.relative_to(CORPUS / "miwg"))
        expected = MIWG_OUTCOMES.get(name, "(no expected outcome in MIWG_OUTCOMES)")
        try:
            result = definitions.deploy(session, [UploadedFile(path.name, path.read_bytes())])
            outcome = "deployed " + ", ".join(f"{r.process_id} v{r.version}" for r in result)
            ok = expected == tuple(r.process_id for r in result)
        except DeploymentRefused as exc:
            session.rollback()
            first = exc.problems[0]
            outcome = "refused: " + str(first)[:160]
            named = first.file == path.name and bool(first.line or first.element_id
                                                      or expected == MISSING_CALLED)
            ok = isinstance(expected, str) and expected in first.message and named
        rows.append(f"{name:60} {outcome}")
        if not ok:
            wrong.append(f"{name}: expected {expected!r}, got {outcome}")
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "miwg-outcomes.txt").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    assert wrong == []
    assert sorted(MIWG_OUTCOMES) == sorted(r.split()[0] for r in rows), "files named but not in the corpus"


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
