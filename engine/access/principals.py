"""Principals: what a task or a case can be given to, and what a user answers to.

A principal is `kind:name`, with four kinds:
- `user:ana` one person;
- `group:secretariat` a role held through a group (the lane "Secretariat" is this group);
- `body:committee.tourism` every member of a body, `body:committee.tourism#focal_point`
  the members holding that role (engine.access.bodies);
- `org:iran_chamber` the people of an organisation.
Without a kind, a name in `candidateGroups` is a group and a name in `candidateUsers` or
`assignee` is a user, which is what Camunda Modeler writes.

A user answers to their own name, their groups, their organisation, and every body (and
body role) they belong to, directly or through their organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import InvalidInput

KINDS = ("user", "group", "body", "org")
MAX_NAME = 255
_NAME = re.compile(r"^[^\s:]+$")


@dataclass(frozen=True, order=True)
class Principal:
    kind: str
    name: str

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.name}"

    def __str__(self) -> str:
        return self.ref


def parse_principal(ref: object, default_kind: str) -> Principal:
    """`kind:name` (or a bare name of `default_kind`); InvalidInput when it is not one."""
    if not isinstance(ref, str):
        raise InvalidInput(f"{ref!r} does not name a user, group, body or organisation")
    text = ref.strip()
    kind, sep, name = text.partition(":")
    if not sep:
        kind, name = default_kind, text
    if kind not in KINDS:
        raise InvalidInput(f"{ref!r}: unknown kind '{kind}' (use {', '.join(KINDS)})")
    if not name or len(name) > MAX_NAME or not _NAME.match(name):
        raise InvalidInput(f"{ref!r} is not a valid {kind} name")
    return Principal(kind, name)


def body_ref(code: str, role: str | None = None) -> str:
    return f"body:{code}#{role}" if role else f"body:{code}"


__all__ = ["KINDS", "Principal", "body_ref", "parse_principal"]
