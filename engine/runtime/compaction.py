"""Keep a long-running case cheap: drop the finished, linear past of its task tree.

SpiffWorkflow keeps every task a case ever ran in one tree and walks that tree
on every step; its serialized state grows about 400 bytes per task. A case that
loops (a review sent back again and again, a quarterly report for years) would
get slower and larger with every turn. The engine's history lives in the
`history_event` table, so the tree only needs the part that can still matter.

Rule: follow the tree from its root while each task is finished and exactly one
child still leads to unfinished work (other children must be wholly finished,
e.g. a cancelled boundary event or a joined parallel branch). Once that
finished stem is longer than `trigger` tasks, cut it so that `keep` finished
tasks remain above the live part; the first kept task becomes the new root and
carries its full data. Anything branching (an open parallel split, an event
subprocess waiting beside the start) stops the stem, so live structure is
never cut.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

KEEP = 25
TRIGGER = 50


def compact(workflow: Any, *, keep: int = KEEP, trigger: int = TRIGGER) -> int:
    """Cut the finished stem of the top-level tree; returns how many tasks were dropped."""
    if len(workflow.tasks) <= trigger + keep:
        return 0
    live = _tasks_leading_to_unfinished_work(workflow)
    stem: list[Any] = []
    node = workflow.task_tree
    while node.has_state(TaskState.FINISHED_MASK):
        onward = [c for c in node.children if c.id in live]
        if len(onward) != 1:
            break
        stem.append(node)
        node = onward[0]
    if len(stem) <= trigger + keep:
        return 0
    new_root = stem[len(stem) - keep]
    keep_ids = _subtree_ids(new_root)
    dropped = [task_id for task_id in workflow.tasks if task_id not in keep_ids]
    data = dict(new_root.data)
    for task_id in dropped:
        del workflow.tasks[task_id]
        workflow.subprocesses.pop(task_id, None)
    new_root._parent = None
    new_root.data = data
    workflow.task_tree = new_root
    if workflow.last_task is not None and workflow.last_task.id not in keep_ids:
        workflow.last_task = None
    return len(dropped)


def _tasks_leading_to_unfinished_work(workflow: Any) -> set[UUID]:
    """Ids of unfinished tasks and of all their ancestors, in one pass over the flat task map."""
    live: set[UUID] = set()
    for task in workflow.tasks.values():
        if task.has_state(TaskState.FINISHED_MASK):
            continue
        current = task
        while current is not None and current.id not in live:
            live.add(current.id)
            current = current.parent
    return live


def _subtree_ids(root: Any) -> set[UUID]:
    ids: set[UUID] = set()
    stack = [root]
    while stack:
        task = stack.pop()
        ids.add(task.id)
        stack.extend(task.children)
    return ids
