"""`notify`: the service task a BPMN timer leads to when a person or a body must be reminded.

    <bpmn:serviceTask id="remind" name="Remind the Secretariat">
      <zeebe:taskDefinition type="notify" />
      <zeebe:ioMapping>
        <zeebe:input source="=&quot;group:secretariat&quot;" target="notify_to" />
        <zeebe:input source="=&quot;Review open for 30 days&quot;" target="notify_subject" />
      </zeebe:ioMapping>

`notify_to`: a principal or a list of them (`user:ana`, `group:secretariat`,
`body:committee.tourism#chair`, `org:iran_chamber`; a bare name is a user);
`notify_subject` and `notify_text`: what they read. Built in: a process's own handlers may
register another `notify` (which may call `remind`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.access.principals import parse_principal
from engine.errors import InvalidInput
from engine.notify.triggers import reminder
from engine.runtime.handlers import ServiceCall
from engine.store.models import Case


def remind(session: Session, case_id: int, *, key: str, to: Any, subject: str, text: str = "") -> str | None:
    """Tell the people of `to` (see the module's doc) about case `case_id`; returns the event's
    key (None when nobody is told: a case that no longer exists tells nobody)."""
    refs = [to] if isinstance(to, str) else list(to or [])
    if not refs:
        raise InvalidInput("notify_to names nobody: give a user, group, body or organisation")
    principals = [parse_principal(ref, "user").ref for ref in refs]
    case = session.get(Case, case_id)
    if case is None:
        return None
    return reminder(session, case, key=key, recipients=principals, subject=subject or case.title or "",
                    text=text or subject)


def notify_handler(session: Session, call: ServiceCall) -> dict[str, Any]:
    data = call.data
    subject = str(data.get("notify_subject") or "")
    remind(session, call.case_id, key=call.idempotency_key, to=data.get("notify_to"),
           subject=subject, text=str(data.get("notify_text") or subject))
    return {}


BUILTIN_HANDLERS = {"notify": notify_handler}


__all__ = ["BUILTIN_HANDLERS", "notify_handler", "remind"]
