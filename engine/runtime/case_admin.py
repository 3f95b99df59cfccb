"""What the Secretariat may do to a case besides its status: retry an incident, reassign a
task, correct a data field.

Staff only (engine.access.policy), each with a reason, recorded in history. They do not
commit. (Suspend, resume and cancel: engine.runtime.case_status.)
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from engine.access.policy import require_staff
from engine.access.users import Actor
from engine.background.incidents import IncidentView, retry_incident
from engine.background.incidents import correct_case_data as _merge_case_data
from engine.errors import InvalidInput, NotFound
from engine.i18n import N_, msg
from engine.read.case_page import case_forms, form_field_types, json_type
from engine.runtime.case_status import require_reason
from engine.runtime.data import case_data
from engine.runtime.persistence import peek_case
from engine.runtime.tasks import assign_task
from engine.runtime.views import TaskView
from engine.store.models import Case, HumanTask, Incident


def retry(session: Session, case_id: int, incident_id: int, *, user: Actor,
          reason: str) -> IncidentView:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.case_id != case_id:
        raise NotFound(msg(N_("case %(case)s has no incident %(incident)s"), case=case_id,
                           incident=incident_id),
                       incident_id=incident_id)
    return retry_incident(session, incident_id, user=user, reason=reason)


def reassign(session: Session, case_id: int, task_id: int, *, user: Actor, assignee: str,
             reason: str) -> TaskView:
    require_staff(user, msg(N_("change a case")))
    text = require_reason(reason, msg(N_("change a case")))
    row = session.get(HumanTask, task_id)
    if row is None or row.case_id != case_id:
        raise NotFound(msg(N_("case %(case)s has no task %(task)s"), case=case_id, task=task_id),
                       task_id=task_id)
    if not assignee.strip():
        raise InvalidInput(msg(N_("name the user who should take the task")), field="assignee")
    return assign_task(session, task_id, user=user, assignee=assignee.strip(), reason=text)


def parse_value(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(msg(N_("the new value is not JSON (%(problem)s); write text in double quotes, "
                               "e.g. \"Tourism\""), problem=exc.msg), field="value") from None


def correct_case_data(session: Session, case_id: int, *, user: Actor, field: str, value: Any,
                      reason: str) -> dict[str, Any]:
    """Set one data field of the case's waiting tasks (or the last one); typed and recorded.

    `value` is JSON text (or an already parsed value). It must keep the field's JSON type,
    unless the process's forms declare the field, in which case the declared type rules.
    The change goes through open_case/save_case (version check) and is recorded as
    DATA_CORRECTED with the old and the new value and the reason.
    """
    require_staff(user, msg(N_("change a case")))
    text = require_reason(reason, msg(N_("change a case")))
    name = (field or "").strip()
    if not name.isidentifier() or name.startswith("_"):
        raise InvalidInput(msg(N_("'%(name)s' is not a data field name"), name=name), field="field")
    new = parse_value(value)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(msg(N_("unknown case %(case)s"), case=case_id), case_id=case_id)
    with peek_case(session, case_id) as opened:
        current = case_data(opened)
    declared = form_field_types(case_forms(case)).get(name)
    if declared is None and name not in current:
        raise InvalidInput(msg(N_("the case has no data field '%(name)s' and no form declares it"),
                               name=name),
                           field="field")
    expected = declared or json_type(current.get(name))
    actual = json_type(new)
    if expected != "null" and actual != expected and not (new is None and declared is None):
        raise InvalidInput(msg(N_("%(name)s must stay a JSON %(expected)s, not a %(actual)s"), name=name,
                               expected=expected, actual=actual), field="value")
    return _merge_case_data(session, case_id, user=user.username, changes={name: new}, reason=text,
                            as_operator=user.operator)


__all__ = ["correct_case_data", "parse_value", "reassign", "retry"]
