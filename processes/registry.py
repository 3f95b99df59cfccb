"""The Alliance's registry: committees, Business Council members, work plans, initiatives, task forces.

These tables are what the processes' service tasks write (see `processes.handlers`); cases
read them only through those handlers. Every table is prefixed `registry_`. Models are inert
(`Mapped[...]` columns, no behaviour); natural keys carry unique constraints so that a
handler run twice updates a row instead of adding one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.store.db import Base

COMMITTEE_STATUSES = ("preparatory", "established", "dissolved")
COMMITTEE_CHANGES = ("created", "promoted", "amended")
MEMBER_KINDS = ("group_member", "individual_member", "observer")
INITIATIVE_STATUSES = ("proposed", "incubated", "implementing", "closed", "rejected", "no_agreement")
INITIATIVE_OUTCOMES = ("completed", "discontinued")
"""How an implemented initiative (and its task force) ends."""
TASK_FORCE_STATUSES = ("active", "closed")
ACTIVITY_STATUSES = ("submitted", "approved", "partly_approved", "rejected", "late", "withdrawn")
WORK_PLAN_STATUSES = ("open", "approved", "amending")

# (name, sector) as listed in the Alliance's operating framework (section 5).
ESTABLISHED_COMMITTEES: tuple[tuple[str, str], ...] = (
    ("Business Council", "business"),
    ("Education, Science and Culture", "education_science_culture"),
    ("Sports and Outdoor Activities", "sports_outdoor"),
    ("Smart Cities and Emerging Industries", "smart_cities_emerging_industries"),
    ("Investment and Trade", "investment_trade"),
)
PREPARATORY_COMMITTEES: tuple[tuple[str, str], ...] = (
    ("Tourism", "tourism"),
    ("Environmental Protection, Renewable Energy and Climate Change", "environment_energy_climate"),
    ("Financial Markets", "financial_markets"),
    ("Information and Communication Technology", "ict"),
    ("Logistics and Infrastructure", "logistics_infrastructure"),
    ("Traditional Medicine and Health", "traditional_medicine_health"),
    ("Green Industrial Development", "green_industrial_development"),
    ("Sustainable Urbanization", "sustainable_urbanization"),
    ("Peace and Development", "peace_development"),
)

# The Business Council's size in 2016, from the operating framework. The seed does NOT
# invent 82 members to match it: it inserts the few named demo members below.
BUSINESS_COUNCIL_2016 = {"group_member": 25, "individual_member": 36, "observer": 21}

# (name, kind, organisation_type, since)
DEMO_BUSINESS_COUNCIL: tuple[tuple[str, str, str, date], ...] = (
    ("Quanzhou General Chamber of Commerce", "group_member", "chamber_of_commerce", date(2016, 5, 1)),
    ("Iran Chamber of Commerce", "group_member", "chamber_of_commerce", date(2016, 5, 1)),
    ("Maritime Silk Road Logistics Association", "group_member", "industry_association", date(2016, 9, 1)),
    ("Chen Wei, Quanzhou Maritime Silk Road Brand Expo", "individual_member", "company", date(2016, 5, 1)),
    ("Tianhong Industrial Zone Co.", "observer", "company", date(2017, 11, 1)),
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RegistryCommittee(Base):
    __tablename__ = "registry_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="preparatory", index=True)
    proposing_entity: Mapped[str | None] = mapped_column(String(120))
    partner_institutions: Mapped[list[str]] = mapped_column(JSON, default=list)
    board_representatives: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms_of_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    established_on: Mapped[date | None] = mapped_column(Date)
    updated_by_case_id: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class RegistryCommitteeChange(Base):
    """A recorded change to a committee: created, promoted from preparatory, or amended by a
    later establishment case the Secretariat chose to let amend it (before and after kept)."""

    __tablename__ = "registry_committee_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("registry_committees.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column()
    changed_by: Mapped[str | None] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(default=_utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)


class RegistryBusinessCouncilMember(Base):
    __tablename__ = "registry_business_council_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    organisation_type: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str | None] = mapped_column(String(80))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    nominee_name: Mapped[str | None] = mapped_column(String(120))
    since: Mapped[date] = mapped_column(Date)
    eligible_from: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(index=True)


class RegistryWorkPlan(Base):
    __tablename__ = "registry_work_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    approved_budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    approved_at: Mapped[datetime | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column()
    amended_at: Mapped[datetime | None] = mapped_column()
    amended_by_case_id: Mapped[int | None] = mapped_column()
    activities: Mapped[list[RegistryWorkPlanActivity]] = relationship(
        back_populates="work_plan", order_by="RegistryWorkPlanActivity.id"
    )


class RegistryWorkPlanActivity(Base):
    """One activity of a committee's submission for one year.

    A submission holds any number of activities; the natural key is (work plan, case,
    committee, position in the submission), so an amending call adds rows to the same plan.
    `submitted_at` is the time of the FIRST submission: a revision asked for by the Secretariat
    never changes it (lateness is decided by it)."""

    __tablename__ = "registry_work_plan_activities"
    __table_args__ = (UniqueConstraint("work_plan_id", "case_id", "committee_name", "position",
                                       name="uq_registry_work_plan_activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_plan_id: Mapped[int] = mapped_column(ForeignKey("registry_work_plans.id", ondelete="CASCADE"))
    committee_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    requested_seed_funding: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    co_funding_mobilized: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    approved_seed_funding: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    expected_results: Mapped[str | None] = mapped_column(Text)
    partner_cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    case_id: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column()
    board_comment: Mapped[str | None] = mapped_column(Text)
    work_plan: Mapped[RegistryWorkPlan] = relationship(back_populates="activities")


class RegistryInitiative(Base):
    __tablename__ = "registry_initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("registry_committees.id"))
    description: Mapped[str | None] = mapped_column(Text)
    partner_cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    agreement: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(unique=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    """completed or discontinued (INITIATIVE_OUTCOMES) once closed; no_agreement."""
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class RegistryTaskForce(Base):
    __tablename__ = "registry_task_forces"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("registry_initiatives.id"), index=True)
    lead: Mapped[str] = mapped_column(String(120))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    mandate: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")
    closure_summary: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(unique=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    """completed or discontinued: its own closure's, or its initiative's when closed with it."""
    closure_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_reports: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Quarterly reports still open when the task force closed with its initiative, each with
    the reason (no report is cancelled silently)."""


class RegistryTaskForceReport(Base):
    __tablename__ = "registry_task_force_reports"
    __table_args__ = (UniqueConstraint("task_force_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_force_id: Mapped[int] = mapped_column(ForeignKey("registry_task_forces.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(10))
    progress: Mapped[str | None] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)


class RegistryNotification(Base):
    """Notices written by the `notify` handler (e.g. a review reminder), one per idempotency key."""

    __tablename__ = "registry_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    recipient_group: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)


def seed_registry(session: Session) -> int:
    """Insert the 14 committees of the operating framework and a few demo Business Council members.

    Five committees are established and nine preparatory. The Business Council had 25 group
    members, 36 individual members and 21 observers in 2016 (`BUSINESS_COUNCIL_2016`); this
    seed adds only a handful of named demo members (`DEMO_BUSINESS_COUNCIL`), not 82 fake rows.
    Idempotent: rows are matched by name and a second call adds nothing. Does not commit.
    Returns the number of rows added.
    """
    added = 0
    existing = set(session.scalars(select(RegistryCommittee.name)))
    for status, rows in (("established", ESTABLISHED_COMMITTEES), ("preparatory", PREPARATORY_COMMITTEES)):
        for name, sector in rows:
            if name not in existing:
                session.add(RegistryCommittee(name=name, sector=sector, status=status,
                                              partner_institutions=[], board_representatives=[]))
                added += 1
    members = set(session.scalars(select(RegistryBusinessCouncilMember.name)))
    for name, kind, organisation_type, since in DEMO_BUSINESS_COUNCIL:
        if name not in members:
            eligible = date(since.year + 1, since.month, since.day) if kind == "observer" else None
            member = RegistryBusinessCouncilMember(name=name, kind=kind, since=since, eligible_from=eligible)
            member.organisation_type = organisation_type
            session.add(member)
            added += 1
    session.flush()
    return added


__all__ = [
    "BUSINESS_COUNCIL_2016",
    "COMMITTEE_CHANGES",
    "ESTABLISHED_COMMITTEES",
    "PREPARATORY_COMMITTEES",
    "RegistryBusinessCouncilMember",
    "RegistryCommittee",
    "RegistryCommitteeChange",
    "RegistryInitiative",
    "RegistryNotification",
    "RegistryTaskForce",
    "RegistryTaskForceReport",
    "RegistryWorkPlan",
    "RegistryWorkPlanActivity",
    "seed_registry",
]

import processes.registry_board  # noqa: E402,F401,I001  (the Project Board's tables)

from processes import registry_membership  # noqa: E402,F401  (its tables share the metadata)
