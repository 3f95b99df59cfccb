"""Login checks and the signed-in user, for Flask-Login.

The lockout: after `max_failures` wrong passwords in a row an account is locked
for `lock_minutes`; while locked even the right password is refused. The page
gives the same answer for an unknown user, a wrong password and a locked
account, so it never tells whether a user exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask_login import UserMixin
from sqlalchemy.orm import Session

from engine import clock
from engine.access.policy import is_admin, is_staff
from engine.access.users import Actor, actor_of, check_password, get_user, hash_password
from engine.errors import NotFound
from engine.store.models import User


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as the web layer sees it (no ORM object kept past the request)."""

    display_name: str | None
    timezone: str
    actor: Actor
    """Who the engine sees acting: groups, bodies and organisation (loaded per request)."""
    language: str | None = None
    """The language the user chose (None: the browser's)."""

    @property
    def username(self) -> str:
        return self.actor.username

    @property
    def groups(self) -> frozenset[str]:
        return self.actor.groups

    def get_id(self) -> str:
        return self.username

    @property
    def is_admin(self) -> bool:
        return is_admin(self.actor)

    @property
    def is_staff(self) -> bool:
        return is_staff(self.actor)

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @classmethod
    def of(cls, session: Session, user: User) -> CurrentUser:
        return cls(user.display_name, user.timezone or "UTC", actor_of(session, user), user.language)


def load_user(session: Session, username: str) -> CurrentUser | None:
    try:
        user = get_user(session, username)
    except NotFound:
        return None
    return CurrentUser.of(session, user) if user.active else None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int) -> CurrentUser | None:
    """The user when the password is right and the account is open; None otherwise."""
    now = clock.now()
    try:
        user = get_user(session, username.strip())
    except NotFound:
        check_password(_dummy_hash(), password)  # same work as for a real user
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not user.active or not check_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        return None
    user.failed_logins = 0
    user.locked_until = None
    return CurrentUser.of(session, user)
