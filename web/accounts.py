"""The signed-in user for Flask-Login, and the doors to the engine's sign-in rules.

The lockout and the session version live in the engine (engine.access.login). A
sign-in is remembered as "<session version>:<username>" (Flask-Login's user id, in
the session cookie): when the user signs out or the password changes the version
moves on and every copy of the old cookie stops working. The page gives the same
answer for an unknown user, a wrong password and a locked account.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy.orm import Session

from engine.access import login
from engine.access.start_rights import ADMIN_GROUP
from engine.access.users import Actor
from engine.store.models import User


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as the web layer sees it (no ORM object kept past the request)."""

    username: str
    display_name: str | None
    groups: frozenset[str]
    timezone: str
    session_version: int = 0

    def get_id(self) -> str:
        return f"{self.session_version}:{self.username}"

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
                   user.timezone or "UTC", user.session_version)


def load_user(session: Session, user_id: str) -> CurrentUser | None:
    """The user of a remembered sign-in, if it is still valid (checked on every request)."""
    version, _, username = user_id.partition(":")
    if not version.isdigit() or not username:
        return None  # a sign-in from before session versions: sign in again
    user = login.signed_in_user(session, login.SignIn(username, int(version)))
    return CurrentUser.of(user) if user is not None else None


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int) -> CurrentUser | None:
    """Check a password; the attempt is committed at once, whatever the page then answers."""
    sign_in = login.authenticate(session, username, password, max_failures=max_failures,
                                 lock_minutes=lock_minutes)
    session.commit()
    user = login.signed_in_user(session, sign_in) if sign_in is not None else None
    return CurrentUser.of(user) if user is not None else None


def sign_out_everywhere(session: Session, username: str) -> None:
    """Every sign-in of this user stops working, committed at once."""
    login.revoke_sessions(session, username)
    session.commit()


__all__ = ["CurrentUser", "authenticate", "load_user", "sign_out_everywhere"]
