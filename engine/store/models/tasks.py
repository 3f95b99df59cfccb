from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    """Projection of a READY manual task: what the inbox reads."""

    __tablename__ = "human_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    process_id: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(255))
    assignee: Mapped[str | None] = mapped_column(String(120))
    form_id: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), default=TaskState.OPEN)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(120))
    documentation: Mapped[str | None] = mapped_column(Text)
    personal: Mapped[bool] = mapped_column(default=False)
    """Given to one person by the process (e.g. the case's initiator): it cannot be given back."""
    subject: Mapped[str | None] = mapped_column(String(255))
    """Whom the task is for, in words (a body's or organisation's name), for the inbox."""
    offered_to: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Who the task is offered to: each candidate `kind:name` between separators (`offer_text`),
    the one record of them. Lists test "offered to the user" on the row itself
    (engine.access.policy.candidate_clause), which PostgreSQL plans as a cheap filter on an
    ordered index scan; '' means offered to nobody (then to staff). A table of candidate rows
    kept beside it cost every new task an INSERT and every read a join (bench/bench_engine.py)."""

    @property
    def candidates(self) -> list[Candidate]:
        return candidates_of(self.offered_to)

    @candidates.setter
    def candidates(self, value: Iterable[tuple[str, str]]) -> None:
        self.offered_to = offer_text(value)

    @property
    def candidate_groups(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "group")

    @property
    def candidate_users(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "user")

    @property
    def candidate_bodies(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "body")

    @property
    def candidate_organisations(self) -> list[str]:
        return sorted(c.name for c in self.candidates if c.kind == "org")


OFFER_SEPARATOR = "\x1f"
"""Around each `kind:name` in `HumanTask.offered_to` (no principal's name holds it)."""


class Candidate(NamedTuple):
    """One group, user, body or organisation a task is offered to."""

    kind: str  # group | user | body | org
    name: str


def candidates_of(offered_to: str) -> list[Candidate]:
    """The principals a `kind:name` text holds (`offered_to`, or any list of principals written
    the same way, e.g. a case's participants as the completion reads them), sorted."""
    return list(_parsed(offered_to))


@lru_cache(maxsize=4096)
def _parsed(offered_to: str) -> tuple[Candidate, ...]:
    """Parsed once per text: the same few offers and participant lists recur at every step."""
    found = (ref.partition(":") for ref in offered_to.split(OFFER_SEPARATOR) if ref)
    return tuple(sorted(Candidate(kind, name) for kind, _, name in found))


def offer_text(pairs: Iterable[tuple[str, str]]) -> str:
    """`offered_to` for these (kind, name) candidates: each one between separators."""
    refs = sorted({f"{kind}:{name}" for kind, name in pairs})
    return "".join(f"{OFFER_SEPARATOR}{ref}" for ref in refs) + OFFER_SEPARATOR if refs else ""


def offer_needle(kind: str, name: str) -> str:
    """What `offered_to` holds when the task is offered to this principal."""
    return f"{OFFER_SEPARATOR}{kind}:{name}{OFFER_SEPARATOR}"


Index("ix_human_task_case_state", HumanTask.case_id, HumanTask.state)
Index("ix_human_task_assignee_state", HumanTask.assignee, HumanTask.state, HumanTask.created_at)
Index("ix_human_task_state_due", HumanTask.state, HumanTask.due_at)
Index("ix_human_task_spiff", HumanTask.case_id, HumanTask.spiff_task_id)
Index("ix_human_task_completed_by", HumanTask.completed_by)
Index("ix_human_task_state_created", HumanTask.state, HumanTask.created_at)
# The group tab reads open, unassigned tasks oldest first: a partial index serves it in order.
Index("ix_human_task_open_unassigned", HumanTask.created_at, HumanTask.id,
      postgresql_where=text("state = 'open' AND assignee IS NULL"),
      sqlite_where=text("state = 'open' AND assignee IS NULL"))
# Text search (ILIKE '%...%') on PostgreSQL uses trigram indexes (extension pg_trgm).
Index("ix_human_task_name_trgm", HumanTask.name, postgresql_using="gin",
      postgresql_ops={"name": "gin_trgm_ops"})
