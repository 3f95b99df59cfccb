"""Organisations, bodies and memberships: use cases, and what a user belongs to now.

Use cases take a session and plain values and never commit. Codes are stable slugs
(`committee.tourism`, `iran_chamber`); names are for people. A membership is open from
`valid_from` until `valid_until` (None: open-ended); ending one keeps the row, so who sat
where and when stays known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, InvalidInput, NotFound
from engine.store.models import Body, Membership, Organisation, User

ORGANISATION_KINDS = ("city", "institution", "company", "chamber", "association", "secretariat",
                      "unossc", "individual", "other")
BODY_KINDS = ("committee", "task_force", "business_council", "project_board", "forum", "other")
ROLES = ("member", "focal_point", "chair", "representative", "lead", "observer", "secretary")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,119}$")


@dataclass(frozen=True)
class MembershipView:
    id: int
    body: str
    body_name: str
    member: str
    """`user:<username>` or `org:<code>`."""
    member_name: str
    role: str
    valid_from: datetime
    valid_until: datetime | None


def _code(code: str, what: str) -> str:
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(f"{what} code {code!r} must be lowercase letters, digits, '.', '_' or '-'",
                           field="code")
    return code


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"{what} must be one of {', '.join(allowed)}, not {value!r}", field=what)
    return value


def get_organisation(session: Session, code: str) -> Organisation:
    row = session.scalar(select(Organisation).where(Organisation.code == code))
    if row is None:
        raise NotFound(f"unknown organisation '{code}'", organisation=code)
    return row


def get_body(session: Session, code: str) -> Body:
    row = session.scalar(select(Body).where(Body.code == code))
    if row is None:
        raise NotFound(f"unknown body '{code}'", body=code)
    return row


def ensure_organisation(session: Session, code: str, name: str, kind: str,
                        country: str | None = None) -> Organisation:
    """The organisation `code`, created if new (its name and kind updated otherwise)."""
    code = _code(code, "organisation")
    _choice(kind, ORGANISATION_KINDS, "kind")
    row = session.scalar(select(Organisation).where(Organisation.code == code))
    if row is None:
        row = Organisation(code=code, name=name.strip() or code, kind=kind, country=country,
                           active=True, created_at=clock.now())
        session.add(row)
        session.flush()
    else:
        row.name, row.kind = name.strip() or row.name, kind
        if country is not None:
            row.country = country
    return row


def ensure_body(session: Session, code: str, name: str, kind: str) -> Body:
    """The body `code`, created if new (its name updated otherwise)."""
    code = _code(code, "body")
    _choice(kind, BODY_KINDS, "kind")
    row = session.scalar(select(Body).where(Body.code == code))
    if row is None:
        row = Body(code=code, name=name.strip() or code, kind=kind, active=True,
                   created_at=clock.now())
        session.add(row)
        session.flush()
    else:
        row.name = name.strip() or row.name
    return row


def set_organisation(session: Session, username: str, organisation: str | None) -> None:
    """Make `username` one of the organisation's people (None: of none)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"unknown user '{username}'", username=username)
    user.organisation_id = get_organisation(session, organisation).id if organisation else None


def _member_ids(session: Session, member: str) -> tuple[int | None, int | None]:
    kind, sep, name = member.partition(":")
    if not sep:
        kind, name = "user", member
    if kind == "user":
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            raise NotFound(f"unknown user '{name}'", username=name)
        return user.id, None
    if kind == "org":
        return None, get_organisation(session, name).id
    raise InvalidInput(f"a member is 'user:<name>' or 'org:<code>', not {member!r}", field="member")


def _open(now: datetime) -> list[ColumnElement[bool]]:
    return [Membership.valid_from <= now,
            or_(Membership.valid_until.is_(None), Membership.valid_until > now)]


def add_member(session: Session, body: str, member: str, *, role: str = "member",
               valid_from: datetime | None = None, valid_until: datetime | None = None) -> int:
    """Put a user (`user:ana` or `ana`) or an organisation (`org:code`) in a body with a role.

    Adding what is already open (same body, member and role) changes nothing and returns
    the existing membership's id.
    """
    _choice(role, ROLES, "role")
    row_body = get_body(session, body)
    user_id, organisation_id = _member_ids(session, member)
    now = clock.now()
    start = valid_from or now
    if valid_until is not None and valid_until <= start:
        raise InvalidInput("a membership must end after it starts", field="valid_until")
    existing = session.scalar(select(Membership).where(
        Membership.body_id == row_body.id, Membership.role == role,
        Membership.user_id.is_(None) if user_id is None else Membership.user_id == user_id,
        (Membership.organisation_id.is_(None) if organisation_id is None
         else Membership.organisation_id == organisation_id),
        or_(Membership.valid_until.is_(None), Membership.valid_until > start)))
    if existing is not None:
        return existing.id
    row = Membership(body_id=row_body.id, user_id=user_id, organisation_id=organisation_id,
                     role=role, valid_from=start, valid_until=valid_until)
    session.add(row)
    session.flush()
    return row.id


def end_membership(session: Session, membership_id: int, *, at: datetime | None = None) -> None:
    row = session.get(Membership, membership_id)
    if row is None:
        raise NotFound(f"unknown membership {membership_id}", membership_id=membership_id)
    end = at or clock.now()
    if row.valid_until is not None and row.valid_until <= end:
        raise Conflict(f"membership {membership_id} has ended already", membership_id=membership_id)
    row.valid_until = max(end, row.valid_from)


SEPARATOR = "\x1f"
"""Between the items of an aggregated list (no code, role or group name holds it)."""


def memberships_column(user_id: Any, organisation_id: Any, now: datetime) -> Any:
    """The `body#role` pairs a user answers to now, as one string (SEPARATOR between them):
    a scalar subquery, so that one statement reads who is asking (engine.access.tokens)."""
    holder = or_(Membership.user_id == user_id,
                 and_(organisation_id.is_not(None), Membership.organisation_id == organisation_id))
    return (select(func.aggregate_strings(Body.code + "#" + Membership.role, SEPARATOR))
            .select_from(Membership).join(Body, Body.id == Membership.body_id)
            .where(holder, Body.active.is_(True), *_open(now)).scalar_subquery())


def organisation_column(organisation_id: Any) -> Any:
    return (select(Organisation.code).where(Organisation.id == organisation_id,
                                            Organisation.active.is_(True)).scalar_subquery())


def memberships_from(pairs: str | None, organisation: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(bodies and `body#role`s, organisation codes) a user answers to now, from the values of
    memberships_column and organisation_column."""
    found = [p.partition("#") for p in pairs.split(SEPARATOR)] if pairs else []
    bodies = frozenset({code for code, _, _ in found} | {f"{code}#{role}" for code, _, role in found})
    return bodies, frozenset({organisation}) if organisation else frozenset()


def members(session: Session, body: str, *, role: str | None = None,
            include_past: bool = False) -> list[MembershipView]:
    row_body = get_body(session, body)
    query = (select(Membership, User.username, User.display_name, Organisation.code, Organisation.name)
             .outerjoin(User, User.id == Membership.user_id)
             .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
             .where(Membership.body_id == row_body.id))
    if role:
        query = query.where(Membership.role == role)
    if not include_past:
        query = query.where(*_open(clock.now()))
    out = []
    for m, username, display, org_code, org_name in session.execute(
            query.order_by(Membership.role, Membership.valid_from, Membership.id)).all():
        member = f"user:{username}" if username else f"org:{org_code}"
        out.append(MembershipView(m.id, row_body.code, row_body.name, member,
                                  (display or username) if username else org_name, m.role,
                                  m.valid_from, m.valid_until))
    return out


def people_of(session: Session, body: str, *, role: str | None = None) -> list[str]:
    """Usernames who answer to the body (or one of its roles) now."""
    row_body = get_body(session, body)
    now = clock.now()
    condition = [Membership.body_id == row_body.id, *_open(now)]
    if role:
        condition.append(Membership.role == role)
    direct = select(User.username).join(Membership, Membership.user_id == User.id).where(*condition)
    through = (select(User.username)
               .join(Membership, and_(Membership.organisation_id == User.organisation_id))
               .where(*condition))
    return sorted(set(session.scalars(direct.union(through)).all()))


def list_bodies(session: Session, *, kind: str | None = None) -> list[Body]:
    query = select(Body).order_by(Body.kind, Body.name)
    if kind:
        query = query.where(Body.kind == kind)
    return list(session.scalars(query).all())


def list_organisations(session: Session, *, kind: str | None = None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if kind:
        query = query.where(Organisation.kind == kind)
    return list(session.scalars(query).all())


def principal_labels(session: Session, refs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Readable names for (kind, name) principals: body and organisation names, display names."""
    out: dict[tuple[str, str], str] = {}
    bodies = {name.partition("#")[0] for kind, name in refs if kind == "body"}
    orgs = {name for kind, name in refs if kind == "org"}
    users = {name for kind, name in refs if kind == "user"}
    body_names: dict[str, str] = {}
    org_names: dict[str, str] = {}
    user_names: dict[str, str | None] = {}
    if bodies:
        body_names = {c: n for c, n in session.execute(
            select(Body.code, Body.name).where(Body.code.in_(bodies))).all()}
    if orgs:
        org_names = {c: n for c, n in session.execute(
            select(Organisation.code, Organisation.name).where(Organisation.code.in_(orgs))).all()}
    if users:
        user_names = {u: d for u, d in session.execute(
            select(User.username, User.display_name).where(User.username.in_(users))).all()}
    for kind, name in refs:
        if kind == "body":
            code, _, role = name.partition("#")
            label = body_names.get(code, code)
            out[(kind, name)] = f"{label} ({role.replace('_', ' ')})" if role else label
        elif kind == "org":
            out[(kind, name)] = org_names.get(name, name)
        elif kind == "user":
            out[(kind, name)] = user_names.get(name) or name
        else:
            out[(kind, name)] = name.replace("_", " ").capitalize()
    return out


__all__ = ["BODY_KINDS", "ORGANISATION_KINDS", "ROLES", "MembershipView", "add_member",
           "end_membership", "ensure_body", "ensure_organisation", "get_body", "get_organisation",
           "list_bodies", "list_organisations", "members", "people_of",
           "principal_labels", "set_organisation"]
