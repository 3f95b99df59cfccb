"""The modeler's library: every process with its versions, newest first, and their open cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.models import Case, Deployment, ProcessDefinition
from engine.store.models.cases import CaseStatus

OPEN_STATUSES = (CaseStatus.RUNNING, CaseStatus.SUSPENDED, CaseStatus.FAILED)


@dataclass(frozen=True)
class VersionRow:
    definition_id: int
    process_id: str
    version: int
    name: str | None
    deployed_by: str | None
    comment: str | None
    created_at: datetime
    open_cases: int


@dataclass
class ProcessEntry:
    process_id: str
    name: str | None
    versions: list[VersionRow] = field(default_factory=list)

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]


def process_library(session: Session) -> list[ProcessEntry]:
    """Every process with its versions, newest first, and the open cases of each version."""
    counts = dict(session.execute(
        select(Case.definition_id, func.count(Case.id))
        .where(Case.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Case.definition_id)).tuples().all())
    rows = session.execute(
        select(ProcessDefinition, Deployment.deployed_by, Deployment.comment)
        .join(Deployment, ProcessDefinition.deployment_id == Deployment.id)
        .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())).all()
    entries: dict[str, ProcessEntry] = {}
    for definition, deployed_by, comment in rows:
        entry = entries.setdefault(definition.process_id,
                                   ProcessEntry(definition.process_id, definition.name))
        entry.versions.append(VersionRow(definition.id, definition.process_id, definition.version,
                                         definition.name, deployed_by, comment,
                                         definition.created_at, counts.get(definition.id, 0)))
    return list(entries.values())


__all__ = ["OPEN_STATUSES", "ProcessEntry", "VersionRow", "process_library"]
