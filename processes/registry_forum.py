"""The registry of action plans and of the annual Cities Forum.

Written by the service tasks of `action_plan` and `cities_forum` (processes.handlers_action_plans,
processes.handlers_forum). Like `processes.registry`: tables prefixed `registry_`, inert models,
natural keys with unique constraints so that a handler run twice updates a row.

- An action plan is drafted by one committee (the lead) with, for a cross-sector plan, other
  committees; it is approved with its seed funding. Initiatives started from it are linked in
  `registry_action_plan_initiatives`.
- A Forum edition (one per year) has its host city, agenda and guidance to the committees, its
  registered participants (one row per invited city), its agreements (each with its follow-up)
  and its report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import processes.registry  # noqa: F401  (the committees and initiatives these tables refer to)
from engine.store.db import Base

ACTION_PLAN_KINDS = ("sectoral", "cross_sector")
ACTION_PLAN_STATUSES = ("under_review", "approved", "rejected", "lapsed")
FORUM_STATUSES = ("planning", "host_confirmed", "agenda_published", "held", "reported")
AGREEMENT_KINDS = ("business", "trade", "development", "cultural_exchange")
FOLLOW_UP_STATUSES = ("open", "initiative_proposed", "activity_planned", "completed", "no_action")
ATTENDANCE = ("attend", "not_attend", "no_reply")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RegistryActionPlan(Base):
    """One plan per case (the case id is its natural key)."""

    __tablename__ = "registry_action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="sectoral")
    lead_committee_id: Mapped[int | None] = mapped_column(ForeignKey("registry_committees.id"), index=True)
    lead_committee: Mapped[str] = mapped_column(String(200))
    contributing_committees: Mapped[list[str]] = mapped_column(JSON, default=list)
    period: Mapped[str | None] = mapped_column(String(40))
    objectives: Mapped[str | None] = mapped_column(Text)
    planned_activities: Mapped[str | None] = mapped_column(Text)
    resource_mobilization: Mapped[str | None] = mapped_column(Text)
    requested_seed_funding: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    approved_seed_funding: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default="under_review", index=True)
    decided_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class RegistryActionPlanInitiative(Base):
    """An initiative started from an action plan (an initiative has at most one origin plan)."""

    __tablename__ = "registry_action_plan_initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_plan_id: Mapped[int] = mapped_column(ForeignKey("registry_action_plans.id", ondelete="CASCADE"),
                                                index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("registry_initiatives.id", ondelete="CASCADE"),
                                               unique=True)
    case_id: Mapped[int | None] = mapped_column()


class RegistryForumEdition(Base):
    """One Cities Forum a year (the year is its natural key)."""

    __tablename__ = "registry_forum_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    theme: Mapped[str | None] = mapped_column(String(200))
    host_city: Mapped[str | None] = mapped_column(String(120))
    host_confirmed_on: Mapped[date | None] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    agenda: Mapped[str | None] = mapped_column(Text)
    guidance_to_committees: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="planning", index=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    participants: Mapped[list[RegistryForumParticipant]] = relationship(
        back_populates="forum", order_by="RegistryForumParticipant.id")
    agreements: Mapped[list[RegistryForumAgreement]] = relationship(
        back_populates="forum", order_by="RegistryForumAgreement.id")


class RegistryForumParticipant(Base):
    """An invited city's registration (natural key: forum + city)."""

    __tablename__ = "registry_forum_participants"
    __table_args__ = (UniqueConstraint("forum_id", "city"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("registry_forum_editions.id", ondelete="CASCADE"))
    city: Mapped[str] = mapped_column(String(120))
    attendance: Mapped[str] = mapped_column(String(20), default="no_reply")
    delegation_head: Mapped[str | None] = mapped_column(String(200))
    delegates: Mapped[list[str]] = mapped_column(JSON, default=list)
    forum: Mapped[RegistryForumEdition] = relationship(back_populates="participants")


class RegistryForumAgreement(Base):
    """An agreement signed as a result of the Forum, with its follow-up (key: forum + title)."""

    __tablename__ = "registry_forum_agreements"
    __table_args__ = (UniqueConstraint("forum_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("registry_forum_editions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    signatories: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    follow_up_committee: Mapped[str | None] = mapped_column(String(200))
    follow_up_status: Mapped[str] = mapped_column(String(20), default="open")
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(index=True)
    forum: Mapped[RegistryForumEdition] = relationship(back_populates="agreements")


__all__ = [
    "ACTION_PLAN_KINDS", "ACTION_PLAN_STATUSES", "AGREEMENT_KINDS", "ATTENDANCE", "FOLLOW_UP_STATUSES",
    "FORUM_STATUSES", "RegistryActionPlan", "RegistryActionPlanInitiative", "RegistryForumAgreement",
    "RegistryForumEdition", "RegistryForumParticipant",
]
