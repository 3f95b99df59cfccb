"""Registry tables of `activity_follow_up` and `committee_review`.

The follow-up of an approved work-plan activity (one per activity: its progress reports, its
final report, the funds spent against the funds approved) and the yearly review of each
committee (the facts it was judged on, the Secretariat's proposal, the committee's answer and
the decision). Same rules as `processes.registry`: inert models, natural keys unique so that a
handler run twice updates a row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base

FOLLOW_UP_STATUSES = ("reporting", "behind", "final_reported", "closed")
REPORT_KINDS = ("progress", "final")
REVIEW_DECISIONS = ("keep", "warn", "dissolve")
COMMITTEE_ANSWERS = ("accept", "contest", "no_answer")


class RegistryActivityFollowUp(Base):
    """The follow-up of one approved work-plan activity (one per activity)."""

    __tablename__ = "registry_activity_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("registry_work_plan_activities.id", ondelete="CASCADE"), unique=True)
    committee_name: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    approved_seed_funding: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    funds_spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default="reporting", index=True)
    final_report_due: Mapped[datetime | None] = mapped_column()
    last_report_at: Mapped[datetime | None] = mapped_column()
    behind_since: Mapped[datetime | None] = mapped_column()
    closed_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(index=True)


class RegistryActivityReport(Base):
    """A progress report (per period, e.g. 2018-Q2) or the final report of a followed activity."""

    __tablename__ = "registry_activity_reports"
    __table_args__ = (UniqueConstraint("follow_up_id", "period", name="uq_registry_activity_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("registry_activity_follow_ups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="progress")
    period: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str | None] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text)
    funds_spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    submitted_at: Mapped[datetime | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column()


class RegistryCommitteeReview(Base):
    """One committee's yearly review: the facts, the proposal, the answer, the decision."""

    __tablename__ = "registry_committee_reviews"
    __table_args__ = (UniqueConstraint("year", "committee_id", name="uq_registry_committee_review"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("registry_committees.id", ondelete="CASCADE"))
    committee_name: Mapped[str] = mapped_column(String(200))
    committee_status: Mapped[str | None] = mapped_column(String(20))
    activities_submitted: Mapped[int] = mapped_column(default=0)
    activities_approved: Mapped[int] = mapped_column(default=0)
    activities_reported: Mapped[int] = mapped_column(default=0)
    proposal: Mapped[str | None] = mapped_column(String(20))
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    committee_answer: Mapped[str | None] = mapped_column(String(20))
    answer_text: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(index=True)


__all__ = [
    "COMMITTEE_ANSWERS", "FOLLOW_UP_STATUSES", "REPORT_KINDS", "REVIEW_DECISIONS",
    "RegistryActivityFollowUp", "RegistryActivityReport", "RegistryCommitteeReview",
]
