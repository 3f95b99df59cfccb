"""History retention: the history of cases that ended long ago, kept compressed.

`archive_finished_cases` moves the `history_event` rows of completed and cancelled
cases that ended more than `older_than` ago into one `case_archive` row per case
(zlib-compressed JSON, ids kept) and deletes the rows. `case_history` reads both, so
the case page, the API and `alliance show` show the same history as before. The case
row, its tasks and its data stay as they were.

Run by `alliance archive` or on a schedule by the worker (engine.background.maintenance).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import InvalidInput
from engine.store.models import Case, CaseArchive, CaseStatus, HistoryEvent

BATCH = 200
FINISHED = (CaseStatus.COMPLETED, CaseStatus.CANCELLED)
_FIELDS = ("id", "kind", "user", "task_id", "element_id", "element_name", "reason", "data", "request_id",
           "as_operator")


@dataclass(frozen=True)
class ArchiveResult:
    cases: int
    events: int
    raw_bytes: int
    stored_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "events": self.events, "raw_bytes": self.raw_bytes,
                "stored_bytes": self.stored_bytes}


def archive_finished_cases(session: Session, *, older_than: timedelta,
                           limit: int = BATCH) -> ArchiveResult:
    """Archive up to `limit` cases; call again until `cases == 0`. The caller commits."""
    if older_than < timedelta(0):
        raise InvalidInput("the retention period cannot be negative", field="older_than")
    cutoff = clock.now() - older_than
    query = (select(Case.id).where(Case.status.in_(FINISHED), Case.ended_at < cutoff,
                                   exists().where(HistoryEvent.case_id == Case.id))
             .order_by(Case.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    case_ids = list(session.scalars(query).all())
    events = raw = stored = 0
    for case_id in case_ids:
        counts = _archive_case(session, case_id)
        events, raw, stored = events + counts[0], raw + counts[1], stored + counts[2]
    session.flush()
    return ArchiveResult(len(case_ids), events, raw, stored)


def _archive_case(session: Session, case_id: int) -> tuple[int, int, int]:
    rows = session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id)
                           .order_by(HistoryEvent.id)).all()
    archive = session.get(CaseArchive, case_id)
    entries = archived_events(archive) if archive is not None else []
    entries += [_as_entry(row) for row in rows]
    raw = json.dumps(entries, separators=(",", ":"), default=str).encode()
    packed = zlib.compress(raw, 9)
    if archive is None:
        archive = CaseArchive(case_id=case_id)
        session.add(archive)
    archive.archived_at = clock.now()
    archive.event_count = len(entries)
    archive.raw_bytes = len(raw)
    archive.events = packed
    session.execute(delete(HistoryEvent).where(HistoryEvent.case_id == case_id,
                                               HistoryEvent.id.in_([r.id for r in rows]))
                    .execution_options(synchronize_session=False))
    return len(rows), len(raw), len(packed)


def _as_entry(row: HistoryEvent) -> dict[str, Any]:
    entry = {name: getattr(row, name) for name in _FIELDS}
    entry["at"] = row.at.isoformat()
    return entry


def archived_events(archive: CaseArchive) -> list[dict[str, Any]]:
    """The archived rows as dicts (`at` as ISO text)."""
    loaded: list[dict[str, Any]] = json.loads(zlib.decompress(archive.events))
    return loaded


def archived_at(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["at"])
