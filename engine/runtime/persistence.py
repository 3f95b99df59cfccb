"""Load a case, change it, save it: the one path every change takes.

Every change is load -> run -> save inside the caller's transaction. `save_case`
writes the state with `UPDATE ... WHERE version = :read`; a lost race raises
`ConcurrentUpdate` and the caller rolls back. The save then runs the runtime's
projectors (human tasks, jobs, subscriptions, outbox, incidents) in the same
transaction. Live workflow objects are kept between steps of a case in this process
(keyed by case id and version, engine.runtime.live) and published only after a
commit, so a failed or rolled-back change never leaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Update, bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.definitions.cache import LoadedDefinition
from engine.definitions.deployment import cached_definition, load_definition
from engine.errors import ConcurrentUpdate, NotFound, StepFailure
from engine.i18n import N_, msg
from engine.runtime.compaction import compact
from engine.runtime.context import OpenCase, Runtime, runtime_of
from engine.runtime.live import PENDING_KEY, WRITTEN_KEY
from engine.runtime.participants import write_participants
from engine.runtime.serialization import SERIALIZER_VERSION, dump_state, load_state
from engine.store.direct import run_later, send_queued
from engine.store.models import Case, CaseStatus


def new_workflow(session: Session, definition: LoadedDefinition) -> BpmnWorkflow:
    return BpmnWorkflow(definition.spec, definition.subprocess_specs,
                        script_engine=runtime_of(session).script_engine)


def open_case(session: Session, case_id: int, *, definition_hash: str | None = None) -> OpenCase:
    """The case for a change: its live workflow is taken out of the cache (or deserialized).

    With the content hash of the case's definition (read along with the case), a parsed
    definition in the runtime's cache is used without reading the definition row."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(msg(N_("unknown case %(case)s"), case=case_id), case_id=case_id)
    runtime = runtime_of(session)
    definition = cached_definition(session, case.definition_id, definition_hash) \
        or load_definition(session, case.definition)
    workflow = runtime.live.take(case.id, case.version)
    if workflow is None:
        workflow = load_state(case.state, definition.spec, definition.subprocess_specs)
        workflow.script_engine = runtime.script_engine
    return OpenCase(case, definition, workflow, case.version)


@contextmanager
def peek_case(session: Session, case_id: int) -> Iterator[OpenCase]:
    """The case for reading only; its workflow goes back into the live cache afterwards.

    Readers must not change the workflow: what they see is the committed state, and it is
    handed to the next writer as such.
    """
    opened = open_case(session, case_id)
    yield opened
    if opened.case.id in session.info.get(WRITTEN_KEY, ()):
        # Changed in this transaction: only its commit makes this state the committed one.
        session.info.setdefault(PENDING_KEY, []).append(
            (opened.case.id, opened.read_version, opened.workflow))
    else:
        runtime_of(session).live.put(opened.case.id, opened.read_version, opened.workflow)


@cache
def _state_update(columns: tuple[str, ...]) -> Update:
    """The save's conditional UPDATE of these columns, built once per set of columns (building
    it was a fifth of a timer's firing: bench/bench_worker.py), on the table: an ORM statement
    is annotated anew at each execution and its cache key computed again."""
    table = Case.__table__
    return (update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("case_id"), table.c.version == bindparam("read_version"))
            .values({column: bindparam(f"new_{column}") for column in columns}))


def save_case(session: Session, opened: OpenCase, *, failure: StepFailure | None = None,
              title: str | None = None) -> None:
    """Write state and status (and a new `title`) guarded by the version read at load time,
    then the projections."""
    case, workflow = opened.case, opened.workflow
    now = clock.now()
    status = case.status
    ended_at = case.ended_at
    reason = case.status_reason
    failed_element = case.failed_element_id
    if failure is not None:
        status, reason, failed_element = CaseStatus.FAILED, failure.message, failure.element_id
    elif status == CaseStatus.RUNNING and workflow.is_completed():
        status, ended_at = CaseStatus.COMPLETED, now
    compact(workflow)
    state = dump_state(workflow).encode()
    new_version = opened.read_version + 1
    values = dict(state=state, version=new_version, status=status, updated_at=now,
                  ended_at=ended_at, status_reason=reason, failed_element_id=failed_element,
                  serializer_version=SERIALIZER_VERSION)
    if title is not None:
        values["title"] = title
    runtime = runtime_of(session)
    opened.ready_now = list(workflow.get_tasks(state=SpiffState.READY))
    try:
        _save_and_project(session, opened, runtime, values, now)
    finally:
        opened.ready_now = None
    send_queued(session, checked_only=True)  # the step's checks (engine.store.direct.run_later)
    if not opened.flush_later:
        session.flush()
    if failure is None:
        session.info.setdefault(PENDING_KEY, []).append((case.id, opened.read_version, workflow))


def _save_and_project(session: Session, opened: OpenCase, runtime: Runtime, values: dict[str, Any],
                      now: datetime) -> None:
    case = opened.case
    for prepare in runtime.preparers:
        values.update(prepare(session, opened))
    run_later(session, _state_update(tuple(sorted(values))),
              {"case_id": case.id, "read_version": opened.read_version,
               **{f"new_{key}": value for key, value in values.items()}},
              expect_rows=1, locked=opened.locked, conflict=lambda: ConcurrentUpdate(
                  f"case {case.id} was changed by someone else; reload and try again", case_id=case.id))
    for key, value in values.items():
        set_committed_value(case, key, value)
    opened.read_version = values["version"]
    session.info.setdefault(WRITTEN_KEY, set()).add(case.id)
    for projector in runtime.projectors:
        projector(session, opened, now)
    write_participants(session)
    opened.is_new, opened.has_incidents = False, None  # what this save wrote is not known


__all__ = ["OpenCase", "new_workflow", "open_case", "peek_case", "save_case"]
