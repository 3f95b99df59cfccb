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

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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


@dataclass(frozen=True)
class SeatRow:
    committee: str
    status: str
    since: date
    until: date | None
    case_id: int | None
    ended_by_case_id: int | None


@dataclass(frozen=True)
class MemberRow:
    name: str
    kind: str
    country: str | None
    status: str
    since: date
    until: date | None
    case_id: int | None
    withdrawal_case_id: int | None
    seats: list[SeatRow]

    @property
    def case_ids(self) -> list[int]:
        """Every case that changed this member or its seats, in order."""
        ids = [self.case_id, self.withdrawal_case_id,
               *(i for s in self.seats for i in (s.case_id, s.ended_by_case_id))]
        return sorted({i for i in ids if i is not None})


def alliance_members(session: Session) -> list[MemberRow]:
    """The registry's members (current first, then by name) with their committee seats."""
    from processes.registry import RegistryCommittee

    seats: dict[int, list[SeatRow]] = {}
    for seat, committee in session.execute(
            select(RegistryCommitteeSeat, RegistryCommittee.name)
            .join(RegistryCommittee, RegistryCommittee.id == RegistryCommitteeSeat.committee_id)
            .order_by(RegistryCommittee.name, RegistryCommitteeSeat.id)).all():
        seats.setdefault(seat.member_id, []).append(SeatRow(committee, seat.status, seat.since, seat.until,
                                                            seat.case_id, seat.ended_by_case_id))
    rows = session.scalars(select(RegistryAllianceMember)
                           .order_by(RegistryAllianceMember.status, RegistryAllianceMember.name)).all()
    return [MemberRow(m.name, m.kind, m.country, m.status, m.since, m.until, m.case_id, m.withdrawal_case_id,
                      seats.get(m.id, [])) for m in rows]


__all__ = ["ALLIANCE_MEMBER_KINDS", "ALLIANCE_MEMBER_STATUSES", "COMMITTEE_SEAT_STATUSES",
           "MemberRow", "RegistryAllianceMember", "RegistryCommitteeSeat", "SeatRow", "alliance_members"]
