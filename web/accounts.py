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
from engine.access.passwords import ScryptCost, check_password, hash_password
from engine.access.start_rights import ADMIN_GROUP
from engine.access.users import Actor, get_user
from engine.errors import NotFound
from engine.runtime.context import runtime_of
from engine.store.models import User


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as the web layer sees it (no ORM object kept past the request)."""

    username: str
    display_name: str | None
    groups: frozenset[str]
    timezone: str

    def get_id(self) -> str:
        return self.username

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.groups)

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @classmethod
    def of(cls, user: User) -> CurrentUser:
        return cls(user.username, user.display_name, frozenset(user.group_names),
                   user.timezone or "UTC")


def load_user(session: Session, username: str) -> CurrentUser | None:
    try:
        user = get_user(session, username)
    except NotFound:
        return None
    return CurrentUser.of(user) if user.active else None


@lru_cache(maxsize=4)
def _dummy_hash(cost: ScryptCost) -> str:
    """A hash of the runtime's cost, so that an unknown user costs what a real one does."""
    return hash_password("not-a-real-password", cost)


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int) -> CurrentUser | None:
    """The user when the password is right and the account is open; None otherwise."""
    now = clock.now()
    try:
        user = get_user(session, username.strip())
    except NotFound:
        # the same work as for a real user
        check_password(_dummy_hash(runtime_of(session).password_cost), password)
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
    return CurrentUser.of(user)
