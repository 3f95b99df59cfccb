"""REST API tokens: create (the secret is returned once), list, revoke, authenticate.

A token is `alw_` + 32 random bytes (URL-safe base64); only its SHA-256 is stored, so
a database leak does not leak usable tokens, and lookup is one indexed equality.
Use cases take a session and plain values and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.access.asking import asked, remember
from engine.access.users import Actor, actor_from, get_user, who_columns
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.i18n import N_, msg
from engine.store.direct import run_direct, run_later
from engine.store.models import ApiToken, User

PREFIX = "alw_"
NAME_MAX = 120
MAX_TOKEN_LENGTH = 200
LAST_USED_PRECISION = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token (reads stay reads)."""


class InvalidToken(PermissionDenied):
    """The token is unknown, revoked, or its user is inactive (HTTP 401)."""


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    token: TokenView
    secret: str
    """The raw token: shown once, never stored."""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", errors="replace")).hexdigest()


def _view(row: ApiToken, username: str) -> TokenView:
    return TokenView(row.id, username, row.name, row.created_at, row.last_used_at, row.revoked_at)


def create_token(session: Session, username: str, *, name: str | None = None) -> NewToken:
    user = get_user(session, username)
    if not user.active:
        raise InvalidInput(f"user '{username}' is not active", username=username)
    label = (name or "").strip() or "API token"
    if len(label) > NAME_MAX:
        raise InvalidInput(f"a token name has at most {NAME_MAX} characters", field="name")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=label, token_hash=hash_token(secret),
                   created_at=clock.now())
    session.add(row)
    session.flush()
    return NewToken(_view(row, user.username), secret)


def list_tokens(session: Session, username: str, *, include_revoked: bool = True) -> list[TokenView]:
    user = get_user(session, username)
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return [_view(r, user.username) for r in session.scalars(query.order_by(ApiToken.id)).all()]


def revoke_token(session: Session, token_id: int, *, username: str | None = None) -> TokenView:
    """Revoke a token; with `username`, only that user's own token (others look unknown)."""
    row = session.get(ApiToken, token_id)
    owner = session.get(User, row.user_id) if row is not None else None
    if row is None or owner is None or (username is not None and owner.username != username):
        raise NotFound(f"unknown token {token_id}", token_id=token_id)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    return _view(row, owner.username)


@cache
def _token_actor() -> Select[Any]:
    """Built once (engine.access.users builds the actor's statements once too)."""
    return (select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.username,
                   User.active, *who_columns(User.id, User.organisation_id, bindparam("now")))
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == bindparam("token_hash")))


@cache
def _touch_token() -> Update:
    """On the table: when a token was last used does not change who is asking (an ORM UPDATE of
    a token empties the runtime's answers: engine.access.asking)."""
    table = ApiToken.__table__
    assert isinstance(table, Table)
    return (update(table).where(table.c.id == bindparam("token_id"))
            .values(last_used_at=bindparam("now")))


def authenticate_token(session: Session, raw: str) -> Actor:
    """The actor a raw token stands for; raises InvalidToken for anything else.

    One statement: the token, its user, the user's groups, bodies and organisation (the
    lists aggregated by scalar subqueries), so a request learns who is asking in one round trip;
    none when the runtime answered for the token a moment ago (engine.access.asking)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(PREFIX):
        raise InvalidToken(msg(N_("invalid API token")))
    now = clock.now()
    token_hash = hash_token(raw)
    key = f"token:{token_hash}"
    token_id, last_used, who = asked(session, key, lambda: _read_token(session, token_hash, now))
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        run_later(session, _touch_token(), {"token_id": token_id, "now": now})
        remember(session, key, (token_id, now, who))
    return who


def _read_token(session: Session, token_hash: str, now: datetime) -> tuple[int, datetime | None, Actor]:
    row = run_direct(session, _token_actor(), {"token_hash": token_hash, "now": now}).first()
    if row is None or row[1] is not None:
        raise InvalidToken(msg(N_("invalid or revoked API token")))
    token_id, _revoked, last_used, username, active, group_names, pairs, organisation = row
    if not active:
        raise InvalidToken(msg(N_("the token's user is not active")))
    return token_id, last_used, actor_from(username, group_names, pairs, organisation)


def user_id_of(session: Session, username: str) -> int:
    return get_user(session, username).id


__all__ = ["InvalidToken", "NewToken", "TokenView", "authenticate_token", "create_token",
           "hash_token", "list_tokens", "revoke_token"]
