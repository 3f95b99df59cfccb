"""The Alliance's own membership: member cities and institutions, and their seats on committees.

"The Cities Alliance is the broadest organisational body, based on members" (framework, 3):
a city or an institution is admitted by the `alliance_membership` process and leaves by
`alliance_withdrawal`; a member joins a specialized committee by `committee_membership`.
Rows are never deleted: a withdrawal or a departure sets `status` and `until`, so who was a
member when stays known. Each row carries the case that made it and, once ended, the case
that ended it.

A member is also an engine organisation (`organisation_code`, engine.access.bodies): its
people are the users of that organisation, and a committee seat is the organisation's
membership of the committee's body (`committee.<sector>`), so the member's people are offered
the committee's tasks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base

ALLIANCE_MEMBER_KINDS = ("city", "institution")
ALLIANCE_MEMBER_STATUSES = ("member", "withdrawn")
COMMITTEE_SEAT_STATUSES = ("active", "ended")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RegistryAllianceMember(Base):
    __tablename__ = "registry_alliance_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(120))
    organisation_code: Mapped[str] = mapped_column(String(120), unique=True)
    representative: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="member", index=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(index=True)
    """The case that admitted the member (None for members seeded as demo data)."""
    withdrawal_case_id: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class RegistryCommitteeSeat(Base):
    """A member's seat on a specialized committee, from `since` until `until`."""

    __tablename__ = "registry_committee_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("registry_committees.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("registry_alliance_members.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    contribution: Mapped[str | None] = mapped_column(Text)
    contact_person: Mapped[str | None] = mapped_column(String(200))
    body_membership_id: Mapped[int | None] = mapped_column()
    """The engine's membership (body_membership.id) that gives the member's people the tasks."""
    case_id: Mapped[int | None] = mapped_column(unique=True)
    """The case that gave the seat (one seat per case; None for demo seats)."""
    ended_by_case_id: Mapped[int | None] = mapped_column()


__all__ = ["ALLIANCE_MEMBER_KINDS", "ALLIANCE_MEMBER_STATUSES", "COMMITTEE_SEAT_STATUSES",
           "RegistryAllianceMember", "RegistryCommitteeSeat"]
