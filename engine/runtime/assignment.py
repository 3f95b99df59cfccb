"""Who a task is for: its assignee and candidates, computed when the task becomes ready.

A user task's `zeebe:assignmentDefinition` (or Camunda 7 attributes, or its lane) names
them. Each of `assignee`, `candidateGroups` and `candidateUsers` is a literal
(comma-separated names; `kind:name` for bodies and organisations, see
engine.access.principals) or an expression (`=...`, FEEL-style as Camunda Modeler writes
it) evaluated in the sandbox over the task's data. An expression gives a name or a list
of names: `="org:" + partner`, `=committee_body + "#focal_point"`, `=["user:" + lead]`.
`assignee="initiator"` is the user who started the case.

A task the process gives to one person (an assignee) is personal. An expression that
fails, or gives something that names no one, stops the step with the element named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.access.principals import Principal, parse_principal
from engine.bpmn.expressions import to_python_expression
from engine.bpmn.metadata import INITIATOR, ElementInfo
from engine.errors import EngineError, InvalidInput
from engine.sandbox.evaluator import SandboxScriptEngine

MAX_CANDIDATES = 200


class AssignmentFailed(EngineError):
    """A task's assignee or candidates could not be worked out from the case data."""


@dataclass(frozen=True)
class Assignment:
    assignee: str | None
    candidates: frozenset[Principal]

    @property
    def personal(self) -> bool:
        return self.assignee is not None


def is_expression(value: str) -> bool:
    return value.startswith("=") and not value.startswith("==")


def _evaluate(engine: SandboxScriptEngine, source: str, data: dict[str, Any], element_id: str,
              what: str) -> Any:
    expression = to_python_expression(source)
    try:
        return engine.environment.evaluate(expression, dict(data))
    except EngineError as exc:
        raise AssignmentFailed(f"the {what} expression '{source}' of '{element_id}' failed: "
                               f"{exc.message}", element_id=element_id) from None
    except Exception as exc:
        raise AssignmentFailed(f"the {what} expression '{source}' of '{element_id}' failed: "
                               f"{type(exc).__name__}: {exc}", element_id=element_id) from None


def _names(value: Any, source: str, element_id: str, what: str) -> list[Any]:
    if value is None or value == "" or value == []:
        return []
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_CANDIDATES:
        raise AssignmentFailed(f"the {what} of '{element_id}' ('{source}') names {len(items)} "
                               f"candidates; at most {MAX_CANDIDATES}", element_id=element_id)
    return items


def _principals(entries: list[str], default_kind: str, engine: SandboxScriptEngine,
                data: dict[str, Any], element_id: str, what: str) -> set[Principal]:
    out: set[Principal] = set()
    for entry in entries:
        values = (_names(_evaluate(engine, entry, data, element_id, what), entry, element_id, what)
                  if is_expression(entry) else [entry])
        for value in values:
            try:
                out.add(parse_principal(value, default_kind))
            except InvalidInput as exc:
                raise AssignmentFailed(f"the {what} of '{element_id}' ('{entry}'): {exc.message}",
                                       element_id=element_id) from None
    return out


def resolve_assignment(engine: SandboxScriptEngine, info: ElementInfo, data: dict[str, Any],
                       starter: str | None) -> Assignment:
    element_id = info.element_id
    assignee: str | None = None
    if info.assignee == INITIATOR:
        assignee = starter
    elif info.assignee and is_expression(info.assignee):
        value = _evaluate(engine, info.assignee, data, element_id, "assignee")
        if value not in (None, ""):
            principal = parse_principal(value, "user") if isinstance(value, str) else None
            if principal is None or principal.kind != "user":
                raise AssignmentFailed(f"the assignee of '{element_id}' ('{info.assignee}') must "
                                       f"give one username, not {value!r}", element_id=element_id)
            assignee = principal.name
    elif info.assignee:
        assignee = info.assignee
    candidates = _principals(info.candidate_groups, "group", engine, data, element_id,
                             "candidate groups")
    candidates |= _principals(info.candidate_users, "user", engine, data, element_id,
                              "candidate users")
    if (info.assignee and assignee is None) and not candidates:
        raise AssignmentFailed(f"the assignee expression '{info.assignee}' of '{element_id}' gave "
                               "no one", element_id=element_id)
    return Assignment(assignee, frozenset(candidates))


__all__ = ["MAX_CANDIDATES", "Assignment", "AssignmentFailed", "is_expression", "resolve_assignment"]
