"""Who answers to a set of principals: the people a task offered to a body, a group or an
organisation reaches (engine.access.principals names the kinds).

- `user:ana` is Ana (if her account is active);
- `group:secretariat` is every active member of the group (`user_group`);
- `body:CODE` / `body:CODE#ROLE` is everyone who answers to the body (or the role) now,
  directly or through their organisation (engine.access.bodies.people_of);
- `org:CODE` is the active people of the organisation.
Unknown names reach nobody. Whether each person may see what they would be told about is
the access policy's, asked by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.bodies import people_of
from engine.access.principals import Principal, parse_principal
from engine.errors import InvalidInput, NotFound
from engine.store.models import Group, Organisation, User, user_group


def _principals(refs: Iterable[Principal | str]) -> list[Principal]:
    out: list[Principal] = []
    for ref in refs:
        if isinstance(ref, Principal):
            out.append(ref)
            continue
        try:
            out.append(parse_principal(ref, "user"))
        except InvalidInput:
            continue  # a malformed ref reaches nobody
    return out


def people_answering(session: Session, refs: Iterable[Principal | str]) -> list[str]:
    """Usernames of the active people who answer to any of `refs`, sorted."""
    users: set[str] = set()
    groups: set[str] = set()
    orgs: set[str] = set()
    for principal in _principals(refs):
        if principal.kind == "user":
            users.add(principal.name)
        elif principal.kind == "group":
            groups.add(principal.name)
        elif principal.kind == "org":
            orgs.add(principal.name)
        elif principal.kind == "body":
            code, _, role = principal.name.partition("#")
            try:
                users.update(people_of(session, code, role=role or None))
            except NotFound:
                continue
    if groups:
        users.update(session.scalars(
            select(User.username).join(user_group, user_group.c.user_id == User.id)
            .join(Group, Group.id == user_group.c.group_id).where(Group.name.in_(sorted(groups)))).all())
    if orgs:
        users.update(session.scalars(
            select(User.username).join(Organisation, Organisation.id == User.organisation_id)
            .where(Organisation.code.in_(sorted(orgs)), Organisation.active.is_(True))).all())
    if not users:
        return []
    return sorted(session.scalars(select(User.username).where(
        User.username.in_(sorted(users)), User.active.is_(True))).all())


__all__ = ["people_answering"]
