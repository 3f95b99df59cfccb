"""What people answered in a round of tasks, as a readable list for the next people.

A multi-instance user task (partners endorsing terms of reference, cities committing to an
initiative) gathers one value per instance into its output collection, and SpiffWorkflow
drops the instances' other variables: the comments and contributions would be lost, and the
decision codes (`["endorse", "request_changes"]`) say nothing about who answered. The
engine's history keeps every completed task with who completed it and what they submitted;
`gather_answers` reads the current round from there (the tasks of `element_id` completed
after the last completion of `after_element`) and gives, per answer, the display name of
whoever answered, the decision's label (from the task's form) and the other fields.

Any process can use it from a handler (see `processes.committee_handlers`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from engine.access.users import display_names
from engine.runtime.history import EventKind, case_history
from engine.store.models import Case


def option_labels(form: dict[str, Any] | None, key: str) -> dict[str, str]:
    """value -> label of the choice field `key` of a form-js form (first such field)."""
    stack: list[Any] = list((form or {}).get("components") or [])
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("key") == key and isinstance(component.get("values"), list):
            return {str(v.get("value")): str(v.get("label") or v.get("value"))
                    for v in component["values"] if isinstance(v, dict)}
        stack.extend(component.get("components") or [])
    return {}


def case_form(session: Session, case_id: int, form_id: str) -> dict[str, Any] | None:
    """The form `form_id` of the version the case runs (forms change with versions)."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    forms: dict[str, Any] = json.loads(case.definition.forms_json or "{}")
    form = forms.get(form_id)
    return form if isinstance(form, dict) else None


def gather_answers(session: Session, case_id: int, element_id: str, *, after_element: str | None,
                   form_id: str, decision_key: str, fields: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The answers of the current round of `element_id`, oldest first.

    Each answer: `name` (display name), `username`, `code` (the decision's value), `decision`
    (its label), and every key of `fields` as submitted ("" when left empty).
    """
    history = case_history(session, case_id)
    done = [h for h in history if h.kind == EventKind.TASK_COMPLETED]
    start = max((h.id for h in done if after_element and h.element_id == after_element), default=0)
    round_ = [h for h in done if h.element_id == element_id and h.id > start]
    labels = option_labels(case_form(session, case_id, form_id), decision_key)
    names = display_names(session, [h.user or "" for h in round_])
    answers: list[dict[str, Any]] = []
    for entry in round_:
        data = entry.data or {}
        code = data.get(decision_key)
        answer: dict[str, Any] = {
            "name": names.get(entry.user or "", entry.user or ""), "username": entry.user or "",
            "code": code, "decision": labels.get(str(code), str(code) if code is not None else "")}
        for key in fields:
            value = data.get(key)
            answer[key] = "" if value is None else value
        answers.append(answer)
    return answers


__all__ = ["case_form", "display_names", "gather_answers", "option_labels"]
