"""Users and groups; passwords are hashed with the runtime's cost (engine.access.passwords)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.asking import asked
from engine.access.bodies import SEPARATOR, memberships_column, memberships_from, organisation_column
from engine.access.passwords import hash_password
from engine.access.principals import Principal
from engine.errors import Conflict, InvalidInput, NotFound
from engine.i18n import N_, msg
from engine.runtime.context import runtime_of
from engine.store.direct import run_direct
from engine.store.models import Group, User, user_group


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, their groups, organisations and bodies (engine.access.principals).

    `operator` is the command line's explicit operator mode: the access policy lets it do
    anything, and history records it as such.
    """

    username: str
    groups: frozenset[str]
    bodies: frozenset[str] = frozenset()
    """Body codes, and `code#role` for each role held (directly or through the organisation)."""
    organisations: frozenset[str] = frozenset()
    operator: bool = False

    def in_any(self, groups: list[str] | set[str] | frozenset[str]) -> bool:
        return bool(self.groups.intersection(groups))

    @property
    def principals(self) -> frozenset[Principal]:
        return frozenset({Principal("user", self.username)}
                         | {Principal("group", g) for g in self.groups}
                         | {Principal("body", b) for b in self.bodies}
                         | {Principal("org", o) for o in self.organisations})

    def answers_to(self, principal: Principal) -> bool:
        return principal in self.principals


def get_group(session: Session, name: str, *, create: bool = False) -> Group:
    group = session.scalar(select(Group).where(Group.name == name))
    if group is None:
        if not create:
            raise NotFound(msg(N_("unknown group '%(name)s'"), name=name), group=name)
        group = Group(name=name)
        session.add(group)
    return group


def create_user(session: Session, username: str, *, groups: list[str] | None = None,
                password: str | None = None, display_name: str | None = None,
                email: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 120 or any(c.isspace() for c in username):
        raise InvalidInput(f"invalid username {username!r}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' exists already", username=username)
    user = User(username=username, display_name=display_name, email=email,
                password_hash=_hash(session, password) if password else None, active=True,
                created_at=clock.now(), timezone="UTC", failed_logins=0)
    user.groups = [get_group(session, g, create=True) for g in groups or []]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(msg(N_("unknown user '%(name)s'"), name=username), username=username)
    return user


def who_columns(user_id: Any, organisation_id: Any, now: Any) -> list[Any]:
    """Scalar subqueries for what an actor is made of (group names, `body#role` pairs, the
    organisation's code), so that one statement learns who is asking (`actor_from`)."""
    groups = (select(func.aggregate_strings(Group.name, SEPARATOR)).select_from(Group)
              .join(user_group, user_group.c.group_id == Group.id)
              .where(user_group.c.user_id == user_id).scalar_subquery())
    return [groups, memberships_column(user_id, organisation_id, now),
            organisation_column(organisation_id)]


def actor_from(username: str, groups: str | None, pairs: str | None, organisation: str | None,
               operator: bool = False) -> Actor:
    """The actor from the values of `who_columns`."""
    bodies, organisations = memberships_from(pairs, organisation)
    return Actor(username, frozenset(groups.split(SEPARATOR)) if groups else frozenset(),
                 bodies, organisations, operator)


@cache
def _actor_by_name() -> Select[Any]:
    """Built once: composing the subqueries cost more than running them (bench/bench_engine.py)."""
    return (select(User.active, *who_columns(User.id, User.organisation_id, bindparam("now")))
            .where(User.username == bindparam("username")))


@cache
def _actor_of_user() -> Select[Any]:
    return select(*who_columns(bindparam("user_id", type_=Integer),
                               bindparam("organisation_id", type_=Integer), bindparam("now")))


def actor(session: Session, username: str, *, operator: bool = False) -> Actor:
    """The acting user with their groups and bodies (one statement, or the runtime's answer of
    the last moment: engine.access.asking); unknown or inactive users may not act."""
    found = asked(session, f"user:{username}", lambda: _read_actor(session, username))
    return replace(found, operator=True) if operator else found


def _read_actor(session: Session, username: str) -> Actor:
    row = run_direct(session, _actor_by_name(), {"username": username, "now": clock.now()}).first()
    if row is None:
        raise NotFound(msg(N_("unknown user '%(name)s'"), name=username), username=username)
    if not row[0]:
        raise NotFound(msg(N_("user '%(name)s' is not active"), name=username), username=username)
    return actor_from(username, row[1], row[2], row[3])


def actor_of(session: Session, user: User, *, operator: bool = False) -> Actor:
    """The actor of a user row already read (one statement for groups, bodies, organisation)."""
    groups, pairs, organisation = run_direct(session, _actor_of_user(), {
        "user_id": user.id, "organisation_id": user.organisation_id, "now": clock.now()}).one()
    return actor_from(user.username, groups, pairs, organisation, operator)


def set_groups(session: Session, username: str, groups: list[str]) -> User:
    user = get_user(session, username)
    user.groups = [get_group(session, g, create=True) for g in groups]
    return user


MAX_EMAIL = 255
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def set_email(session: Session, username: str, email: str | None) -> None:
    """The address notifications are mailed to (None or '': none, then only the app tells)."""
    text = (email or "").strip()
    if text and (len(text) > MAX_EMAIL or not _EMAIL.match(text)):
        raise InvalidInput(f"{text!r} is not an e-mail address (name@example.org)", field="email")
    get_user(session, username).email = text or None


def set_password(session: Session, username: str, password: str) -> None:
    """A new password (changed or reset): every existing sign-in of the user stops working."""
    user = get_user(session, username)
    user.password_hash = _hash(session, password)
    user.session_version = (user.session_version or 0) + 1


def _hash(session: Session, password: str) -> str:
    return hash_password(password, runtime_of(session).password_cost)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)).all())


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Username -> the name people know them by (the username when they have none)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(wanted))).all()
    found = {username: display or username for username, display in rows}
    return {u: found.get(u, u) for u in wanted}
