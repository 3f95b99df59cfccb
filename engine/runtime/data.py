"""Case data: what callers may put into a case, and what a case's data is."""

from __future__ import annotations

import json
from typing import Any

from engine.errors import InvalidInput
from engine.i18n import N_, Message, msg
from engine.runtime import values

MAX_DATA_BYTES = 1_000_000


def check_data(data: Any, what: str | Message | None = None) -> dict[str, Any]:
    """Case data must be a JSON object with plain keys, within the engine's value rules
    (engine.runtime.values: no NUL, finite numbers, bounded depth); InvalidInput otherwise.

    `what` names the data in messages (a Message marked N_, or text; "data" by default)."""
    what = what if what is not None else msg(N_("data"))
    if data is None:
        return {}
    if isinstance(data, (str, bytes)):
        try:
            data = values.loads(data, str(what))
        except values.ValueRefused as exc:
            raise InvalidInput(msg(N_("%(what)s is not accepted: %(problem)s"), what=what,
                                   problem=str(exc))) from None
    if not isinstance(data, dict):
        raise InvalidInput(msg(N_("%(what)s must be a JSON object, not %(type)s"), what=what,
                               type=type(data).__name__))
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidInput(msg(N_("%(what)s field name '%(key)s' is not allowed "
                                   "(use letters, digits and underscores, not starting with _)"),
                                   what=what, key=key),
                               field=str(key))
    problem = values.json_problem(data, str(what))
    if problem:
        raise InvalidInput(problem)
    try:
        size = len(json.dumps(data))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(msg(N_("%(what)s is not JSON-serializable: %(problem)s"), what=what,
                               problem=str(exc))) from None
    if size > MAX_DATA_BYTES:
        raise InvalidInput(msg(N_("%(what)s is too large (%(size)s bytes, limit %(limit)s)"), what=what,
                               size=size, limit=MAX_DATA_BYTES))
    return data


INTERNAL_KEYS = frozenset({"data_objects"})
"""SpiffWorkflow's own bookkeeping inside task data, never shown as case data."""


def case_data(opened_or_workflow: Any) -> dict[str, Any]:
    """The case's current data: what the most recently completed task saw."""
    workflow = getattr(opened_or_workflow, "workflow", opened_or_workflow)
    last = workflow.last_task or workflow.task_tree
    data = dict(last.data)
    data.update(workflow.data or {})
    return {k: v for k, v in data.items() if k not in INTERNAL_KEYS}


__all__ = ["INTERNAL_KEYS", "MAX_DATA_BYTES", "case_data", "check_data"]
