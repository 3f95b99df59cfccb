"""Signing in: the lockout counted in SQL, and the session version that revokes sign-ins.

Lockout: after `max_failures` wrong passwords in a row an account is locked for
`lock_minutes`; while locked even the right password is refused. Every attempt is
one conditional `UPDATE ... RETURNING` on the user's row, so concurrent attempts
are serialized by the database: exactly the `max_failures`-th failure locks, the
attempts after it count for nothing, and a right password is accepted only by an
`UPDATE` that finds the account unlocked. (Reading the counter, adding one and
writing it back lost counts under concurrency: 4 wrong passwords at once moved it
by 1.) The caller commits at once, whatever it then answers.

Sessions: a sign-in carries the user's `session_version`; signing out, changing or
resetting the password bumps it (`revoke_sessions`), and `signed_in_user` refuses a
sign-in whose version is no longer the user's: a copied session cookie stops working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session, lazyload

from engine import clock
from engine.access.passwords import ScryptCost, check_password, hash_password
from engine.runtime.context import runtime_of
from engine.store.models import User


@dataclass(frozen=True)
class SignIn:
    """Who signed in, and the session version the sign-in is valid for."""

    username: str
    session_version: int


@lru_cache(maxsize=4)
def _dummy_hash(cost: ScryptCost) -> str:
    """A hash at the runtime's cost, so that an unknown user costs what a real one does."""
    return hash_password("not-a-real-password", cost)


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int) -> SignIn | None:
    """The sign-in when the password is right and the account open; None otherwise.

    The same answer (None) for an unknown user, a wrong password and a locked account.
    """
    now = clock.now()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password(_dummy_hash(runtime_of(session).password_cost), password)  # the same work
        return None
    user_id, name = user.id, user.username
    unlocked = or_(User.locked_until.is_(None), User.locked_until <= now)
    if user.active and check_password(user.password_hash, password):
        row = session.execute(
            update(User).where(User.id == user_id, User.active.is_(True), unlocked)
            .values(failed_logins=0, locked_until=None)
            .returning(User.session_version).execution_options(synchronize_session=False)
        ).first()
        session.expire(user)
        return SignIn(name, row[0]) if row is not None else None
    reaches = User.failed_logins + 1 >= max_failures
    session.execute(
        update(User).where(User.id == user_id, unlocked)
        .values(failed_logins=case((reaches, 0), else_=User.failed_logins + 1),
                locked_until=case((reaches, now + timedelta(minutes=lock_minutes)),
                                  else_=User.locked_until))
        .execution_options(synchronize_session=False))
    session.expire(user)
    return None


def revoke_sessions(session: Session, username: str) -> None:
    """Every sign-in of this user stops working (sign-out, password change or reset)."""
    session.execute(update(User).where(User.username == username)
                    .values(session_version=User.session_version + 1)
                    .execution_options(synchronize_session=False))


def signed_in_user(session: Session, sign_in: SignIn) -> User | None:
    """The user of a sign-in that is still valid: active, and the same session version."""
    # groups not loaded: who the user acts as is read in one statement (users.actor_of)
    user = session.scalar(select(User).where(User.username == sign_in.username)
                          .options(lazyload(User.groups)))
    if user is None or not user.active or user.session_version != sign_in.session_version:
        return None
    return user


__all__ = ["SignIn", "authenticate", "revoke_sessions", "signed_in_user"]
