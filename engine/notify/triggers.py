"""What each event that tells someone says, and whom it names: called by the use cases and
the case's save (engine.notify.projector) in their own transaction. Each returns the event's
key (None when nobody is told or it was emitted already): the event is written by its job.

Recipients are principal refs; the fan-out (engine.notify.fanout) turns them into people
and keeps only those the access policy lets see the task or the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.notify.events import emit
from engine.notify.kinds import STAFF_RECIPIENTS, Kind
from engine.store.models import Case, HumanTask


def case_label(case: Case) -> str:
    parts = [p for p in (case.business_key, case.title if case.title != case.business_key else None) if p]
    return " · ".join(parts) if parts else f"Case {case.id}"


def case_params(case: Case, process_name: str | None = None) -> dict[str, Any]:
    name = process_name
    if name is None and case.definition is not None:
        name = case.definition.name
    return {"case": case_label(case), "process": name or case.process_id, "case_id": case.id}


def task_recipients(task: HumanTask) -> list[str]:
    """Whom a task is for now: its holder, else its candidates, else staff (as the policy says)."""
    if task.assignee:
        return [f"user:{task.assignee}"]
    refs = [f"{c.kind}:{c.name}" for c in task.candidates]
    if refs:
        return refs
    return [] if task.personal else list(STAFF_RECIPIENTS)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def task_params(task: HumanTask, case: Case, process_name: str | None = None) -> dict[str, Any]:
    return {**case_params(case, process_name), "task": task.name or task.element_id,
            "task_id": task.id, "whom": task.subject or "", "due": _iso(task.due_at)}


def task_created(session: Session, task: HumanTask, case: Case, *, actor: str | None,
                 process_name: str | None, jobs: list[dict[str, Any]] | None = None
                 ) -> str | None:
    """A new task: offered to its candidates, or given to its assignee (its job's row appended
    to `jobs` when given, see engine.notify.events.emit)."""
    kind = Kind.TASK_ASSIGNED if task.assignee else Kind.TASK_OFFERED
    return emit(session, kind, f"task:{task.id}", task_recipients(task), case_id=case.id,
                task_id=task.id, actor=actor, params=task_params(task, case, process_name), fresh=True,
                jobs=jobs)


def task_reassigned(session: Session, task: HumanTask, case: Case, *, assignee: str, actor: str,
                    at: datetime) -> str | None:
    return emit(session, Kind.TASK_ASSIGNED, f"assigned:{task.id}:{assignee}:{at.isoformat()}",
                [f"user:{assignee}"], case_id=case.id, task_id=task.id, actor=actor,
                params=task_params(task, case))


def task_deadline(session: Session, task: HumanTask, case: Case, kind: Kind) -> str | None:
    """`task_due_soon` or `task_overdue`, once per task."""
    return emit(session, kind, f"{kind.value}:{task.id}", task_recipients(task), case_id=case.id,
                task_id=task.id, params=task_params(task, case))


def case_finished(session: Session, case: Case, *, actor: str | None,
                  process_name: str | None = None) -> str | None:
    """The case's initiator hears that it was completed or cancelled (`process_name`: the
    loaded definition's, which saves reading the definition row)."""
    if not case.started_by:
        return None
    return emit(session, Kind.CASE_FINISHED, f"finished:{case.id}", [f"user:{case.started_by}"],
                case_id=case.id, actor=actor,
                params={**case_params(case, process_name), "outcome": case.status,
                        "reason": case.status_reason})


def case_incident(session: Session, case: Case, *, key: str, element_id: str | None,
                  error: str) -> str | None:
    """Staff hear that a case needs them (a failed step, a job out of attempts)."""
    return emit(session, Kind.INCIDENT, f"incident:{key}", STAFF_RECIPIENTS, case_id=case.id,
                params={**case_params(case), "element": element_id or "", "error": error[:500]})


def mentioned(session: Session, case: Case, *, comment_id: int, usernames: list[str], author: str,
              author_name: str, excerpt: str, task_id: int | None) -> str | None:
    return emit(session, Kind.MENTION, f"mention:{comment_id}", [f"user:{u}" for u in usernames],
                case_id=case.id, task_id=task_id, actor=author,
                params={**case_params(case), "author": author_name, "excerpt": excerpt[:300],
                        "comment_id": comment_id})


def reminder(session: Session, case: Case, *, key: str, recipients: list[str], subject: str,
             text: str) -> str | None:
    """A process's own reminder (a BPMN timer's `notify` service task)."""
    return emit(session, Kind.REMINDER, f"reminder:{key}", recipients, case_id=case.id,
                params={**case_params(case), "subject": subject[:200], "text": text[:2000]})


__all__ = ["case_finished", "case_incident", "case_label", "case_params", "mentioned", "reminder",
           "task_created", "task_deadline", "task_params", "task_reassigned", "task_recipients"]
