"""Service-task handlers of the Alliance's processes.

Each handler is `handler(session, call) -> dict`: it reads `call.data` (a copy of the case
data), writes the registry through `session` without committing, and returns the variables to
merge into the case data. The engine's worker may run a handler more than once for the same
step (a retry after a crash, a lease taken over), so every handler is an upsert on a natural
key (committee name, member name, year + committee, the case id) or on `call.idempotency_key`:
running it twice leaves one row. Bad input raises `HandlerError` (the job becomes an incident
the Secretariat can retry after fixing the data).

`HANDLERS` maps the BPMN names (`<zeebe:taskDefinition type="..."/>`) to the functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.notify.handler import notify_handler, remind
from engine.runtime.handlers import Handler, ServiceCall, guarded
from processes import call_data, membership_handlers, work_plan_handlers
from processes.call_data import HandlerError
from processes.committee_handlers import (
    collect_endorsements,
    list_committee_choices,
    register_committee,
    set_board_representatives,
)
from processes.handlers_action_plans import ACTION_PLAN_HANDLERS, INITIATIVE_LINK_HANDLERS
from processes.handlers_board import WORK_PLAN_BOARD_HANDLERS
from processes.handlers_follow_up import FOLLOW_UP_HANDLERS
from processes.handlers_forum import FORUM_HANDLERS
from processes.handlers_initiatives import INITIATIVE_HANDLERS, READ_ONLY_HANDLERS, TASK_FORCE_HANDLERS
from processes.handlers_membership import GUARDED as MEMBERSHIP_GUARDED
from processes.handlers_membership import UNGUARDED as MEMBERSHIP_UNGUARDED
from processes.handlers_review import REVIEW_HANDLERS
from processes.registry import RegistryCommittee, RegistryNotification


def _committee(session: Session, name: str) -> RegistryCommittee | None:
    return session.scalar(select(RegistryCommittee).where(RegistryCommittee.name == name))




def list_established_committees(session: Session, call: ServiceCall) -> dict[str, Any]:
    names = session.scalars(select(RegistryCommittee.name)
                            .where(RegistryCommittee.status == "established")
                            .order_by(RegistryCommittee.name)).all()
    return {"committees": list(names)}


def notify(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Write one notice (e.g. "review open for 30 days") per idempotency key.

    With `notify_to`, it is the engine's own `notify` (engine.notify.handler)."""
    if call.data.get("notify_to"):
        return notify_handler(session, call)
    existing = session.scalar(select(RegistryNotification)
                              .where(RegistryNotification.idempotency_key == call.idempotency_key))
    if existing is None:
        about = call_data.text(call.data, "committee_name") or call_data.text(call.data, "committee")
        subject = call_data.text(call.data, "notification_subject") or (
            f"Reminder: {about or 'a case'} is waiting for your review")
        group = call_data.text(call.data, "notification_group") or "secretariat"
        existing = RegistryNotification(idempotency_key=call.idempotency_key, case_id=call.case_id,
                                        recipient_group=group, subject=subject[:300])
        session.add(existing)
        session.flush()
        # Deliver it: the group's people get it in the app and by e-mail (engine.notify).
        remind(session, call.case_id, key=call.idempotency_key, to=f"group:{group}", subject=subject)
    return {"last_notification_id": existing.id}


_UNGUARDED: dict[str, Handler] = {f.__name__: f for f in (
    list_established_committees, notify, list_committee_choices, collect_endorsements)}
_UNGUARDED.update(MEMBERSHIP_UNGUARDED)
_UNGUARDED.update(READ_ONLY_HANDLERS)
_GUARDED: dict[str, dict[str, Handler]] = {
    "committee_establishment": {
        f.__name__: f for f in (register_committee, set_board_representatives)},
    "business_council_membership": membership_handlers.HANDLERS,
    "annual_work_plan": {**work_plan_handlers.HANDLERS, **WORK_PLAN_BOARD_HANDLERS},
    "initiative_incubation": {**INITIATIVE_HANDLERS, **INITIATIVE_LINK_HANDLERS},
    "task_force": TASK_FORCE_HANDLERS,
    **MEMBERSHIP_GUARDED,
    "action_plan": ACTION_PLAN_HANDLERS, "cities_forum": FORUM_HANDLERS,
    "activity_follow_up": FOLLOW_UP_HANDLERS, "committee_review": REVIEW_HANDLERS,
}
"""Handlers that change the registry, by the one process allowed to call them: the engine
refuses to deploy another process that calls one, and asks an admin to approve any new
version of these processes that an analyst deploys (engine.runtime.handlers.guarded)."""

HANDLERS: dict[str, Handler] = {
    **_UNGUARDED,
    **{name: guarded(process_id)(handler)
       for process_id, handlers in _GUARDED.items() for name, handler in handlers.items()},
}

__all__ = ["HANDLERS", "Handler", "HandlerError", "ServiceCall"]
