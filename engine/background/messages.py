"""Messages between cases and from outside: subscriptions, the outbox, delivery.

- A case waiting at a message catch event (intermediate, boundary, receive task,
  event-based gateway branch, event-subprocess start) is projected on every save
  into `message_subscription` (message name + canonical correlation values).
  Correlation values come from SpiffWorkflow's correlation properties (the values the
  case has recorded in `workflow.correlations`), else from a Camunda 8
  `zeebe:subscription correlationKey="=x"` evaluated on the waiting task's data, else
  the subscription is uncorrelated ('' = any message of that name).
- Messages a case throws (SpiffWorkflow's `get_events()`, drained by run_steps) are
  written to `outbox_message` with a `message:<id>` job in the same transaction.
- Delivery (worker job, or `send_message` from outside) goes to every running case
  whose subscription matches the name and the correlation exactly (or is
  uncorrelated); if there is none, it starts one case of the latest version of each
  process whose (top-level) start event catches that message name.
- The payload goes into the `spiffworkflow:messageVariable` of the catching event; without
  one, its fields are merged into the case data (as Camunda 8 does).
- Correlation values compare as text (`7` matches `"7"`), as Camunda 8 does.
- A message that matches nothing: sent from outside, it is an error to the sender
  (`MessageNotDelivered`, nothing stored). Thrown by a case, its job is retried with the
  job backoff (`MESSAGE_ATTEMPTS` attempts, about 2.5 minutes in all, covering a receiver
  that is still committing) and then becomes an incident on the sending case, which
  `alliance retry` re-delivers. A message whose only receivers are suspended (or failed)
  cases is held: re-checked every `HELD_RECHECK` without using attempts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.bpmn.metadata import read_message_correlation_keys
from engine.definitions.deployment import LoadedDefinition, load_definition
from engine.errors import Conflict, InvalidInput, MessageNotDelivered
from engine.i18n import N_, msg
from engine.runtime.cases import advance, start_case
from engine.runtime.context import OpenCase
from engine.runtime.data import check_data
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case
from engine.store.models import (
    CaseStatus,
    Job,
    JobKind,
    JobStatus,
    MessageSubscription,
    OutboxMessage,
    OutboxStatus,
    ProcessDefinition,
)

MESSAGE_ATTEMPTS = 5
HELD_RECHECK = timedelta(minutes=10)
_ZEEBE_KEYS: dict[str, dict[str, str]] = {}
_START_MESSAGES: dict[str, set[str]] = {}


class MessageHeld(Conflict):
    """The only cases waiting for the message are suspended or failed: try again later."""


@dataclass
class Delivery:
    message_id: int | None
    name: str
    correlation: dict[str, str]
    delivered_to: list[int] = field(default_factory=list)
    started: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- correlation values ----------------------------------------------------------------


def canonical(values: dict[str, Any] | None) -> str:
    """The indexed form of correlation values: sorted JSON with text values ('' = none)."""
    if not values:
        return ""
    return json.dumps({str(k): str(v) for k, v in values.items()}, sort_keys=True)


def flatten(correlations: dict[str, Any] | None) -> dict[str, Any]:
    """SpiffWorkflow's {key: {property: value}} as {property: value}."""
    flat: dict[str, Any] = {}
    for props in (correlations or {}).values():
        if isinstance(props, dict):
            flat.update(props)
    return flat


def _properties(definition: MessageEventDefinition) -> list[Any]:
    seen: dict[str, Any] = {}
    for prop in definition.correlation_properties or []:
        seen.setdefault(prop.name, prop)
    return list(seen.values())


def _path(data: Any, expression: str) -> Any:
    value = data
    for part in expression.split("."):
        if not isinstance(value, dict) or part.strip() not in value:
            return None
        value = value[part.strip()]
    return value


def zeebe_keys(definition: ProcessDefinition) -> dict[str, str]:
    """Camunda 8 correlation key expressions of the definition's messages (cached by hash)."""
    cached = _ZEEBE_KEYS.get(definition.content_hash)
    if cached is None:
        try:
            root = etree.fromstring(definition.bpmn_file.content.encode(),
                                    etree.XMLParser(resolve_entities=False, no_network=True))
            cached = read_message_correlation_keys(root)
        except etree.XMLSyntaxError:
            cached = {}
        _ZEEBE_KEYS[definition.content_hash] = cached
    return cached


def waiting_correlation(task: Any, definition: MessageEventDefinition,
                        zeebe: dict[str, str]) -> dict[str, Any]:
    """The correlation values a waiting catch event expects (empty = uncorrelated)."""
    recorded = task.workflow.correlations or {}
    values: dict[str, Any] = {}
    for prop in _properties(definition):
        for key in prop.correlation_keys:
            if prop.name in recorded.get(key, {}):
                values[prop.name] = recorded[key][prop.name]
    if values:
        return values
    expression = zeebe.get(definition.name)
    if expression:
        value = _path(task.data, expression)
        if value is not None:
            return {expression: value}
    return {}


def thrown_correlation(event: BpmnEvent, zeebe: dict[str, str]) -> dict[str, Any]:
    values = flatten(event.correlations)
    if values:
        return values
    expression = zeebe.get(event.event_definition.name)
    if expression and isinstance(event.payload, dict):
        value = _path(event.payload, expression)
        if value is not None:
            return {expression: value}
    return {}


# --- projections -----------------------------------------------------------------------


def message_definitions(task: Any) -> list[MessageEventDefinition]:
    """The message definitions a waiting task catches (an event-based gateway holds several)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, MessageEventDefinition)]
    return []


def waiting_message_tasks(workflow: Any) -> list[tuple[Any, MessageEventDefinition]]:
    out: list[tuple[Any, MessageEventDefinition]] = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(SpiffState.WAITING):
            continue
        if task.workflow is workflow and type(task.task_spec).__name__ == "StartEvent":
            continue  # a top-level message start: delivered by starting a new case instead
        out.extend((task, definition) for definition in message_definitions(task))
    return out


def project_subscriptions(session: Session, opened: OpenCase, now: datetime, *, active: bool,
                          rows: list[MessageSubscription]) -> None:
    """The case's subscriptions (`rows`, read by engine.background.projection) made to match
    the messages it awaits."""
    case_id = opened.case.id
    by_key = {(r.spiff_task_id, r.message_name): r for r in rows}
    waiting = waiting_message_tasks(opened.workflow) if active else []
    if waiting:  # the definition's correlation keys only when a message is awaited
        zeebe = zeebe_keys(opened.case.definition)
        for task, definition in waiting:
            name = definition.name
            correlation = canonical(waiting_correlation(task, definition, zeebe))
            row = by_key.pop((str(task.id), name), None)
            if row is None:
                session.add(MessageSubscription(
                    case_id=case_id, message_name=name, correlation=correlation,
                    spiff_task_id=str(task.id), created_at=now,
                    element_id=task.task_spec.bpmn_id or task.task_spec.name))
            elif row.correlation != correlation:
                row.correlation = correlation
    for row in by_key.values():
        session.delete(row)


def persist_outbox(session: Session, opened: OpenCase, now: datetime) -> None:
    """Write the messages the case threw (and nobody inside it caught) to the outbox."""
    events, opened.events = list(opened.events), []
    thrown = [e for e in events if isinstance(e.event_definition, MessageEventDefinition)]
    if not thrown:
        return
    zeebe = zeebe_keys(opened.case.definition)
    for event in thrown:
        payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
        message = OutboxMessage(
            name=event.event_definition.name, correlation=canonical(thrown_correlation(event, zeebe)),
            payload=json.loads(json.dumps(payload, default=str)), source_case_id=opened.case.id,
            status=OutboxStatus.PENDING, created_at=now)
        session.add(message)
        session.flush()
        session.add(Job(key=f"message:{message.id}", kind=JobKind.MESSAGE, case_id=opened.case.id,
                        status=JobStatus.READY, due_at=now, attempts=0,
                        max_attempts=MESSAGE_ATTEMPTS, payload={"message_id": message.id},
                        created_at=now))


# --- delivery ----------------------------------------------------------------------------


def _spiff_correlations(definition: MessageEventDefinition, values: dict[str, Any],
                        recorded: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in _properties(definition):
        for key in prop.correlation_keys:
            if key in recorded and prop.name in recorded[key]:
                out.setdefault(key, {})[prop.name] = recorded[key][prop.name]
            elif prop.name in values:
                out.setdefault(key, {})[prop.name] = values[prop.name]
    return out


def _deliver_to_case(session: Session, case_id: int, task_ids: list[str], name: str,
                     values: dict[str, Any], payload: dict[str, Any]) -> bool:
    opened = open_case(session, case_id)
    if opened.case.status != CaseStatus.RUNNING:
        return False
    for task_id in task_ids:
        task = opened.workflow.get_task_from_id(UUID(task_id))
        if task is None or not task.has_state(SpiffState.WAITING):
            continue
        named = [d for d in message_definitions(task) if d.name == name]
        if not named:
            continue
        definition = named[0]
        correlations = _spiff_correlations(definition, values, task.workflow.correlations or {})
        opened.workflow.catch(BpmnEvent(definition, payload=dict(payload), correlations=correlations))
        if getattr(definition, "message_var", None) is None:
            # No spiffworkflow:messageVariable: merge the payload's fields (Camunda 8 style).
            task.data.update({k: v for k, v in payload.items() if k.isidentifier()})
        record(session, case_id, EventKind.MESSAGE_RECEIVED, element_id=task.task_spec.bpmn_id,
               element_name=task.task_spec.bpmn_name, reason=f"message '{name}'",
               data={"correlation": values, "payload": payload} if values or payload else None)
        advance(session, opened)
        return True
    return False


def start_message_names(definition: LoadedDefinition) -> set[str]:
    cached = _START_MESSAGES.get(definition.content_hash)
    if cached is None:
        cached = {spec.event_definition.name for spec in definition.spec.task_specs.values()
                  if type(spec).__name__ == "StartEvent"
                  and isinstance(getattr(spec, "event_definition", None), MessageEventDefinition)}
        _START_MESSAGES[definition.content_hash] = cached
    return cached


def _latest_definitions(session: Session) -> list[ProcessDefinition]:
    latest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.process_id).subquery())
    return list(session.scalars(select(ProcessDefinition).join(
        latest, (ProcessDefinition.process_id == latest.c.process_id)
        & (ProcessDefinition.version == latest.c.v)).order_by(ProcessDefinition.process_id)).all())


def _start_cases(session: Session, name: str, values: dict[str, Any], payload: dict[str, Any],
                 source_case_id: int | None) -> list[int]:
    started: list[int] = []
    for row in _latest_definitions(session):
        loaded = load_definition(session, row)
        if name not in start_message_names(loaded):
            continue

        def catch(workflow: Any) -> None:
            workflow.do_engine_steps()
            for task in list(workflow.event_manager.tasks.values()):
                definition = getattr(task.task_spec, "event_definition", None)
                if (type(task.task_spec).__name__ == "StartEvent"
                        and isinstance(definition, MessageEventDefinition) and definition.name == name):
                    correlations = _spiff_correlations(definition, values, {})
                    workflow.catch(BpmnEvent(definition, payload=dict(payload),
                                             correlations=correlations))
                    return

        view = start_case(session, row.process_id, user=None, version=row.version, prepare=catch,
                          parent_case_id=source_case_id)
        started.append(view.id)
    return started


def deliver(session: Session, name: str, values: dict[str, Any] | None, payload: dict[str, Any] | None,
            *, source_case_id: int | None = None, message_id: int | None = None) -> Delivery:
    """Deliver a message now; raises MessageNotDelivered or MessageHeld when it cannot."""
    values = dict(values or {})
    body = {**values, **(payload or {})}
    key = canonical(values)
    keys = [key, ""] if key else [""]
    subscriptions = session.scalars(
        select(MessageSubscription).where(MessageSubscription.message_name == name,
                                          or_(*[MessageSubscription.correlation == k for k in keys]))
        .order_by(MessageSubscription.case_id, MessageSubscription.id)).all()
    by_case: dict[int, list[str]] = {}
    for sub in subscriptions:
        by_case.setdefault(sub.case_id, []).append(sub.spiff_task_id)
    result = Delivery(message_id, name, {k: str(v) for k, v in values.items()})
    for case_id, task_ids in by_case.items():
        if _deliver_to_case(session, case_id, task_ids, name, values, body):
            result.delivered_to.append(case_id)
    if result.delivered_to:
        return result
    if by_case:
        raise MessageHeld(f"message '{name}' waits for case(s) {sorted(by_case)}, which are not "
                          "running", message_name=name, cases=sorted(by_case))
    try:
        result.started = _start_cases(session, name, values, body, source_case_id)
    except (KeyError, NameError, TypeError) as exc:
        raise InvalidInput(f"message '{name}' cannot start its process: {exc}") from None
    if not result.started:
        raise MessageNotDelivered(
            f"no case is waiting for message '{name}'"
            + (f" with correlation {result.correlation}" if values else "")
            + " and no process starts with it", message_name=name, correlation=result.correlation)
    return result


def send_message(session: Session, name: str, *, correlation: Any = None, data: Any = None,
                 user: Actor) -> Delivery:
    """A message from outside (CLI, REST): delivered now, or an error to the sender.

    Only the Secretariat, admins and integrations send messages (engine.access.policy).
    """
    policy.require_send_messages(user)
    if not name or not name.strip():
        raise InvalidInput("a message needs a name", field="name")
    values = check_data(correlation, msg(N_("correlation")))
    payload = check_data(data, msg(N_("message data")))
    result = deliver(session, name.strip(), values, payload)
    now = clock.now()
    message = OutboxMessage(name=name.strip(), correlation=canonical(values), payload=payload,
                            source_case_id=None, source_element_id=f"external:{user.username}"[:255],
                            status=OutboxStatus.DELIVERED, created_at=now, delivered_at=now,
                            delivered_to=result.delivered_to + result.started)
    session.add(message)
    session.flush()
    result.message_id = message.id
    return result


def deliver_outbox(session: Session, message_id: int) -> Delivery | None:
    """Deliver one outbox message (the worker's `message` job)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status == OutboxStatus.DELIVERED:
        return None
    values = json.loads(message.correlation) if message.correlation else {}
    result = deliver(session, message.name, values, message.payload,
                     source_case_id=message.source_case_id, message_id=message.id)
    message.status = OutboxStatus.DELIVERED
    message.delivered_at = clock.now()
    message.delivered_to = result.delivered_to + result.started
    return result


def subscriptions_of(session: Session, case_id: int) -> list[MessageSubscription]:
    return list(session.scalars(select(MessageSubscription)
                                .where(MessageSubscription.case_id == case_id)).all())
