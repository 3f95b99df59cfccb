"""A person's unsent input of a task's form, kept on the server as they type.

Saved for (task, person) by whoever may complete the task now; read back when they open the
task again (after a reload, or after giving it back and taking it again); discarded when the
task is completed (engine.runtime.tasks.complete_task). Nobody else sees it. It is not
checked against the form (it is unfinished), only bounded in size and shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.errors import InvalidInput
from engine.runtime.tasks import readable_task
from engine.store.models import TaskDraft, TaskState

MAX_DRAFT_BYTES = 1_000_000


def save_draft(session: Session, user: Actor, task_id: int, data: Any) -> datetime:
    """Keep the user's input of the task's form; returns when it was saved."""
    task = readable_task(session, task_id, user)
    if task.state != TaskState.OPEN or not policy.may_complete(task, user):
        raise policy.why_not(task, user, "keep a draft of")
    if not isinstance(data, dict):
        raise InvalidInput("a draft is the form's values as a JSON object", field="data")
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
    if size > MAX_DRAFT_BYTES:
        raise InvalidInput(f"the draft has {size:,} bytes; at most {MAX_DRAFT_BYTES:,} are kept",
                           field="data")
    now = clock.now()
    row = session.get(TaskDraft, (task_id, user.username))
    if row is None:
        session.add(TaskDraft(task_id=task_id, username=user.username, data=data, updated_at=now))
    else:
        row.data, row.updated_at = data, now
    return now


def load_draft(session: Session, user: Actor, task_id: int) -> tuple[dict[str, Any], datetime] | None:
    """The user's draft of an open task, and when it was saved; None when there is none."""
    row = session.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                 TaskDraft.username == user.username))
    if row is None:
        return None
    task = readable_task(session, task_id, user)
    if task.state != TaskState.OPEN:
        return None
    return dict(row.data or {}), row.updated_at


__all__ = ["MAX_DRAFT_BYTES", "load_draft", "save_draft"]
