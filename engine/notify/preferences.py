"""Each person's choice, per kind of notification: in the app or not, and an e-mail at once,
in the daily digest, or never. Without a stored choice, a kind's default applies
(in the app, and the e-mail of engine.notify.kinds.DEFAULT_EMAIL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.users import Actor, get_user
from engine.errors import InvalidInput
from engine.notify.kinds import DEFAULT_EMAIL, EMAIL_CHOICES, Kind
from engine.store.models import NotificationPreference


@dataclass(frozen=True)
class Preference:
    kind: str
    in_app: bool
    email: str


def default(kind: str) -> Preference:
    return Preference(kind, True, DEFAULT_EMAIL.get(kind, "immediately"))


def preferences_of(session: Session, user_ids: Iterable[int]) -> dict[int, dict[str, Preference]]:
    """Stored choices by user id and kind (kinds absent: use `default`)."""
    ids = sorted(set(user_ids))
    out: dict[int, dict[str, Preference]] = {i: {} for i in ids}
    if not ids:
        return out
    for row in session.scalars(select(NotificationPreference)
                               .where(NotificationPreference.user_id.in_(ids))).all():
        out[row.user_id][row.kind] = Preference(row.kind, row.in_app, row.email)
    return out


def my_preferences(session: Session, user: Actor) -> list[Preference]:
    """Every kind, with the user's choice or the default, in the order of `Kind`."""
    account = get_user(session, user.username)
    stored = preferences_of(session, [account.id])[account.id]
    return [stored.get(kind.value, default(kind.value)) for kind in Kind]


def set_preferences(session: Session, user: Actor, choices: Mapping[str, tuple[bool, str]]) -> None:
    """Store `{kind: (in_app, email)}` for the acting user; unknown kinds or choices refused."""
    account = get_user(session, user.username)
    known = {kind.value for kind in Kind}
    for kind, (_in_app, email) in choices.items():
        if kind not in known:
            raise InvalidInput(f"unknown kind of notification '{kind}'", field=kind)
        if email not in EMAIL_CHOICES:
            raise InvalidInput(f"e-mail for '{kind}' must be one of {', '.join(EMAIL_CHOICES)}, "
                               f"not {email!r}", field=kind)
    rows = {r.kind: r for r in session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == account.id)).all()}
    for kind, (in_app, email) in choices.items():
        row = rows.get(kind)
        if row is None:
            session.add(NotificationPreference(user_id=account.id, kind=kind, in_app=bool(in_app),
                                               email=email))
        else:
            row.in_app, row.email = bool(in_app), email


__all__ = ["Preference", "default", "my_preferences", "preferences_of", "set_preferences"]
