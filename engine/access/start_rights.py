"""Who may start which process.

The rule: a process may be started by the members of the groups of its start
event's lane (the start event's candidate groups), or by every logged-in user
when the start event is in no lane; members of `admins` may start anything.
Only processes with a plain (none) start event at the top level can be started
by hand: a process started by a message or a timer is started by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.access.policy import ADMINS
from engine.access.users import Actor
from engine.definitions.deployment import find_definition, load_definition
from engine.errors import NotFound, PermissionDenied
from engine.i18n import N_, msg
from engine.store.models import ProcessDefinition


@dataclass(frozen=True)
class StartableProcess:
    process_id: str
    name: str | None
    version: int
    definition_id: int
    start_event_ids: list[str]
    start_form_id: str | None
    groups: list[str]
    """Groups whose members may start it; empty means every logged-in user."""
    documentation: str | None = None

    @property
    def title(self) -> str:
        return self.name or self.process_id


@dataclass(frozen=True)
class StartForm:
    process: StartableProcess
    form: dict[str, Any] | None
    definition: ProcessDefinition
    """The version a start by hand runs (the latest approved)."""


def rights_of(session: Session, definition: ProcessDefinition) -> StartableProcess | None:
    """The start rule of a definition, or None when it cannot be started by hand."""
    loaded = load_definition(session, definition)
    starts = [spec for spec in loaded.spec.start.outputs
              if isinstance(getattr(spec, "event_definition", None), NoneEventDefinition)]
    if not starts:
        return None
    ids = [spec.bpmn_id or spec.name for spec in starts]
    groups: set[str] = set()
    everyone = False
    documentation = loaded.info.documentation  # the process's own, else its start event's
    for element_id in ids:
        info = loaded.info.elements.get(element_id)
        if info is None or not info.candidate_groups:
            everyone = True
        else:
            groups.update(info.candidate_groups)
        if info is not None and info.documentation and documentation is None:
            documentation = info.documentation
    return StartableProcess(
        process_id=definition.process_id, name=definition.name or loaded.info.name,
        version=definition.version, definition_id=definition.id, start_event_ids=ids,
        start_form_id=loaded.info.start_form_id, groups=[] if everyone else sorted(groups),
        documentation=documentation)


def allowed(process: StartableProcess, user: Actor) -> bool:
    return (not process.groups or user.operator or ADMINS in user.groups
            or user.in_any(set(process.groups)))


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The latest runnable (approved) version of every process."""
    latest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
              .where(ProcessDefinition.approved_at.is_not(None))
              .group_by(ProcessDefinition.process_id).subquery())
    query = (select(ProcessDefinition)
             .join(latest, (ProcessDefinition.process_id == latest.c.process_id)
                   & (ProcessDefinition.version == latest.c.v))
             .order_by(ProcessDefinition.name, ProcessDefinition.process_id))
    return list(session.scalars(query).all())


def deployed_processes(session: Session) -> list[StartableProcess | None]:
    """Start rules of the latest version of every process (None where not startable by hand)."""
    return [rights_of(session, d) for d in latest_definitions(session)]


def startable_processes(session: Session, user: Actor) -> list[StartableProcess]:
    """The latest version of every process this user may start, by name."""
    out = [p for p in deployed_processes(session) if p is not None and allowed(p, user)]
    return sorted(out, key=lambda p: (p.title.lower(), p.process_id))


def may_start(session: Session, user: Actor, process_id: str) -> bool:
    try:
        require_start(session, user, process_id)
    except (NotFound, PermissionDenied):
        return False
    return True


def require_start(session: Session, user: Actor, process_id: str) -> StartForm:
    """The process's start rule and start form; raises NotFound or PermissionDenied."""
    definition = find_definition(session, process_id, runnable=True)
    process = rights_of(session, definition)
    if process is None:
        raise PermissionDenied(msg(N_("process '%(process)s' is started by an event, not by hand"),
                                   process=process_id),
                               process_id=process_id)
    if not allowed(process, user):
        raise PermissionDenied(msg(N_("only %(groups)s may start '%(process)s'"),
                                   groups=", ".join(process.groups), process=process.title),
                               process_id=process_id)
    form = None
    if process.start_form_id:
        form = load_definition(session, definition).forms.get(process.start_form_id)  # cached
    return StartForm(process, form, definition)


__all__ = ["StartForm", "StartableProcess", "allowed", "deployed_processes",
           "latest_definitions", "may_start", "require_start", "rights_of", "startable_processes"]
