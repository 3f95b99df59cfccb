"""Every file of ../shared/bpmn-corpus is deployed, imported as a draft, or refused with one
line per problem naming the file and the element or line, never a crash, never a dict repr.

Parse-level (the checks `deploy` runs, without a database), so the walk stays quick; one test
also deploys through the database to show a refusal stores nothing. The outcome of every file
is written to test-output/corpus-outcomes.txt.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions import deployment as definitions
from engine.definitions.validation import UploadedFile, ValidationResult, validate_files
from engine.errors import DeploymentRefused
from engine.store.models import Deployment, DeploymentFile
from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason=f"BPMN corpus not found at {CORPUS}")
OUTPUT = REPO / "test-output"
SKIP = {"SOURCE.txt", "LICENSE.txt"}
# Files that need another file of the corpus in the same deployment.
COMPANIONS = {
    "CallActivity-Escalation-Test.bpmn20.xml": "CallActivity-Escalation-Test-Sub.bpmn20.xml",
}
# What the engine must say about files it cannot run (a fragment of the first problem).
EXPECTED_REFUSALS = {
    "executable/camunda-bpm-examples/loan-granting.bpmn": "cron expression",
    "executable/camunda-bpm-examples/order-handling.bpmn": "cron expression",
    "executable/camunda-bpm-examples/process.bpmn": "script format 'groovy'",
    "miwg/Reference/C.6.0.bpmn": "compensation (undoing completed work) is not supported",
    "miwg/bpmn.io-camunda-modeler-18.6.1/C.6.0-export.bpmn": "compensation",
    "miwg/Reference/C.4.0.bpmn": "data stores are not supported",
    "miwg/Reference/C.1.1.bpmn": "which the engine does not evaluate",
    "miwg/bpmn.io-camunda-modeler-18.6.1/A.3.0-export.bpmn": "the sub-process is empty",
    "miwg/bpmn.io-camunda-modeler-18.6.1/C.1.1-export.bpmn": "has no condition and is not the",
    "miwg/Reference/C.8.1.bpmn": "business rule task names no decision",
    "miwg/Reference/C.9.2.bpmn": "the called process 'requestDocument_en' is not in this deployment",
    "miwg/bpmn.io-camunda-modeler-18.6.1/C.9.2-roundtrip.bpmn":
        "embedded form 'userTaskForm_2s8lq02' is not valid JSON",
}
# BPMN 2.0 says a process without a start event starts every node without incoming flow, so the
# engine runs this file of SpiffWorkflow's "invalid" set (tests/.../test_execution_corpus.py).
RUNS_THOUGH_LISTED_INVALID = {"invalid/spiffworkflow/No-Start-Event.bpmn20.xml"}


@dataclass
class Outcome:
    path: str
    kind: str  # deployed | draft | refused
    lines: list[str]


def corpus_paths() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in SKIP
                  and p.suffix in (".bpmn", ".xml", ".txt"))


def classify(path: Path) -> Outcome:
    files = [UploadedFile(path.name, path.read_bytes())]
    if path.name in COMPANIONS:
        companion = path.with_name(COMPANIONS[path.name])
        files.append(UploadedFile(companion.name, companion.read_bytes()))
    result: ValidationResult = validate_files(files)
    relative = str(path.relative_to(CORPUS))
    if not result.problems:
        return Outcome(relative, "deployed", [p.process_id for p in result.processes])
    kind = "draft" if result.descriptive_only else "refused"
    return Outcome(relative, kind, [str(p) for p in result.problems])


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    found = [classify(path) for path in corpus_paths()]
    counts = Counter(o.kind for o in found)
    OUTPUT.mkdir(exist_ok=True)
    rows = [f"{o.kind:9} {o.path:70} {o.lines[0] if o.lines else ''}" for o in found]
    summary = ", ".join(f"{k}: {counts[k]}" for k in ("deployed", "draft", "refused"))
    (OUTPUT / "corpus-outcomes.txt").write_text("\n".join(rows) + f"\n{summary}\n")
    return found


def test_every_file_has_an_outcome(outcomes: list[Outcome]) -> None:
    assert len(outcomes) == len(corpus_paths()) > 100
    assert {o.kind for o in outcomes} == {"deployed", "draft", "refused"}


def test_refusals_are_one_named_line_each(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.kind == "deployed":
            continue
        name = Path(outcome.path).name
        for line in outcome.lines:
            assert "\n" not in line, (outcome.path, line)
            assert line.startswith(name), (outcome.path, line)
            assert not any(raw in line for raw in ("{'", "NotImplementedError", "b'<", "Traceback",
                                                   "<Element ")), (outcome.path, line)
            located = line[len(name):].startswith(":") or " element " in line
            assert located or outcome.path.endswith(".txt") or "root element" in line \
                or "not well-formed" in line or "cannot read XML" in line, (outcome.path, line)


def test_invalid_files_are_refused(outcomes: list[Outcome]) -> None:
    """Deploy refuses every one. Those bpmn-js itself imports (with warnings) and whose
    processes are all descriptive open as drafts, refused for deployment by that reason."""
    for outcome in outcomes:
        if outcome.path.startswith("invalid/"):
            if outcome.path in RUNS_THOUGH_LISTED_INVALID:
                assert outcome.kind == "deployed", outcome
            else:
                assert outcome.kind in ("refused", "draft"), outcome


def test_executable_files_deploy_or_are_refused_for_the_stated_reason(
        outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        reason = EXPECTED_REFUSALS.get(outcome.path)
        if reason is not None:
            assert outcome.kind == "refused" and reason in outcome.lines[0], outcome
        elif outcome.path.startswith("executable/"):
            assert outcome.kind == "deployed", outcome


def test_descriptive_models_are_drafts(outcomes: list[Outcome]) -> None:
    """The interchange suite's descriptive models (isExecutable="false") open as drafts."""
    by_path = {o.path: o for o in outcomes}
    for name in ("A.1.0", "A.2.0", "A.4.0", "B.1.0", "B.2.0", "C.2.0"):
        assert by_path[f"miwg/Reference/{name}.bpmn"].kind == "draft"
        assert by_path[f"miwg/bpmn.io-camunda-modeler-18.6.1/{name}-roundtrip.bpmn"].kind == "draft"
    assert all(o.lines[0].split(": ", 1)[1].startswith("no executable process")
               for o in outcomes if o.kind == "draft")


def test_miwg_executable_models_deploy(outcomes: list[Outcome]) -> None:
    by_path = {o.path: o for o in outcomes}
    for path in ("miwg/Reference/C.9.1.bpmn", "miwg/bpmn.io-camunda-modeler-18.6.1/A.4.0-export.bpmn",
                 "miwg/bpmn.io-camunda-modeler-18.6.1/C.2.0-export.bpmn"):
        assert by_path[path].kind == "deployed", by_path[path]


def test_called_process_in_another_file_deploys_together() -> None:
    """C.9.2 calls the process C.9.1 defines: deployed together, both run."""
    files = [UploadedFile(p.name, p.read_bytes())
             for p in (CORPUS / "miwg" / "Reference" / "C.9.1.bpmn",
                       CORPUS / "miwg" / "Reference" / "C.9.2.bpmn")]
    result = validate_files(files)
    assert [str(p) for p in result.problems] == []


@pytest.mark.parametrize("relative", ["invalid/bpmn-js/error/duplicate-ids.bpmn",
                                      "invalid/bpmn-moddle/not-bpmn.bpmn",
                                      "miwg/Reference/C.6.0.bpmn"])
def test_refused_deploy_stores_nothing(session: Session, relative: str) -> None:
    path = CORPUS / relative
    with pytest.raises(DeploymentRefused) as info:
        definitions.deploy(session, [UploadedFile(path.name, path.read_bytes())])
    assert str(info.value).splitlines() == [str(p) for p in info.value.problems]
    assert session.scalar(select(func.count()).select_from(Deployment)) == 0
    assert session.scalar(select(func.count()).select_from(DeploymentFile)) == 0
