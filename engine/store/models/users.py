from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.db import Base

user_group = Table(
    "user_group",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("group_account.id", ondelete="CASCADE"), primary_key=True),
)


class Group(Base):
    __tablename__ = "group_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    users: Mapped[list[User]] = relationship(secondary=user_group, back_populates="groups")


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    """False while `timezone` is the default: the browser's zone replaces it at sign-in."""
    language: Mapped[str | None] = mapped_column(String(16))
    """The language the user chose on the profile page (None: the browser's)."""
    browser_language: Mapped[str | None] = mapped_column(String(16))
    """The language their browser asked for at their last sign-in: what the mails they get
    while away are written in when they chose none."""
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id",
                                                                   ondelete="SET NULL"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """Bumped by sign-out, a password change or reset: every older sign-in stops working."""
    created_at: Mapped[datetime]
    groups: Mapped[list[Group]] = relationship(secondary=user_group, back_populates="users",
                                               lazy="selectin")

    @property
    def group_names(self) -> set[str]:
        return {g.name for g in self.groups}
