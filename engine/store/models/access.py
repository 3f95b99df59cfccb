"""Organisations, bodies and memberships: who a task or a case belongs to.

An organisation is a member city, a partner institution, a company, the Secretariat ...;
people (users) belong to at most one organisation. A body is a group that acts: a
specialized committee, a task force, the Business Council, the Project Board. A
membership puts a user or a whole organisation in a body with a role (member, focal
point, chair, representative ...) for a period; an organisation's membership extends to
its people. `case_participant` lists who takes part in each case (the people, groups,
bodies and organisations its tasks were given to): the access policy reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Body(Base):
    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Membership(Base):
    """A user or an organisation in a body, with a role, from `valid_from` until `valid_until`."""

    __tablename__ = "body_membership"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (organisation_id IS NULL)",
                        name="ck_membership_user_or_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id",
                                                                   ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40), default="member")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]


Index("ix_membership_body", Membership.body_id, Membership.role)
Index("ix_membership_user", Membership.user_id)
Index("ix_membership_organisation", Membership.organisation_id)


class CaseParticipant(Base):
    """Someone the case was given to: kind user|group|body|org, and the name of that principal."""

    __tablename__ = "case_participant"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)


# "Which cases may this user see": the user's principals probe (kind, name) first.
Index("ix_case_participant_principal", CaseParticipant.kind, CaseParticipant.name,
      CaseParticipant.case_id)
