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
from engine.access.policy import is_admin, is_staff
from engine.access.users import Actor, actor_of
from engine.store.models import User


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as the web layer sees it (no ORM object kept past the request)."""

    display_name: str | None
    timezone: str
    actor: Actor
    """Who the engine sees acting: groups, bodies and organisation (loaded per request)."""
    session_version: int = 0
    language: str | None = None
    """The language the user chose (None: the browser's)."""

    @property
    def username(self) -> str:
        return self.actor.username

    @property
    def groups(self) -> frozenset[str]:
        return self.actor.groups

    def get_id(self) -> str:
        return f"{self.session_version}:{self.username}"

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
        return cls(user.display_name, user.timezone or "UTC", actor_of(session, user),
                   user.session_version, user.language)


def load_user(session: Session, user_id: str) -> CurrentUser | None:
    """The user of a remembered sign-in, if it is still valid (checked on every request)."""
    version, _, username = user_id.partition(":")
    if not version.isdigit() or not username:
        return None  # a sign-in from before session versions: sign in again
    user = login.signed_in_user(session, login.SignIn(username, int(version)))
    return CurrentUser.of(session, user) if user is not None else None


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int) -> CurrentUser | None:
    """Check a password; the attempt is committed at once, whatever the page then answers."""
    sign_in = login.authenticate(session, username, password, max_failures=max_failures,
                                 lock_minutes=lock_minutes)
    session.commit()
    user = login.signed_in_user(session, sign_in) if sign_in is not None else None
    return CurrentUser.of(session, user) if user is not None else None


def sign_out_everywhere(session: Session, username: str) -> None:
    """Every sign-in of this user stops working, committed at once."""
    login.revoke_sessions(session, username)
    session.commit()


__all__ = ["CurrentUser", "authenticate", "load_user", "sign_out_everywhere"]
