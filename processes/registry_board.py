"""The Project Board: its chair, its rotating seats, the committees' nominees, its decisions.

Framework (section 5): "Dois a três representantes dos comitês especializados servirão como
membros rotativos do Conselho do Projeto" (two to three representatives of the specialized
committees serve as rotating members of the Project Board). The framework names UNOSSC as the
body that coordinates the project and supervises the Secretariat; it says nothing else about
the Board, so the choices below are this module's (processes/README.md, "Project Board").

- The Board is the engine body `project_board`. Its chair (role `chair`) is UNOSSC's person;
  its rotating members (role `representative`) are the committees' representatives who sit now.
- A committee names 2-3 nominees (`committee_establishment`, `set_board_representatives`);
  a nominee is linked to a user (by username or display name) or waits to be linked.
- The Board has `BOARD_SEATS` rotating seats; a term lasts `TERM_MONTHS`. No committee holds
  two seats at once. A vacant seat goes to the next in the rotation: the committee that has
  waited longest (never seated first, then the oldest end of its last term, then the earliest
  nomination), and within it the nominee who has waited longest (then by rank).
- `rotate(at)` seats whoever sits at `at` and, for every term, who follows it when it ends:
  each term is an engine body membership with its own `valid_from`/`valid_until`, so the
  Board's tasks reach the next representative when the term ends, with no job running then.

Rows are never deleted except a term that has not started yet when its nominee is withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import clock
from engine.access import bodies
from engine.store.db import Base
from engine.store.models import Membership, User

BOARD_BODY = "project_board"
BOARD_NAME = "Project Board"
BOARD_SEATS = 3
"""Rotating seats ("two to three": three when three committees have nominees, else fewer)."""
MIN_SITTING = 2
"""Below two sitting representatives the Board cannot decide (see `quorum`)."""
TERM_MONTHS = 12
CHAIR_ORGANISATION = ("unossc", "UNOSSC", "unossc")
"""(code, name, kind) of the chair's organisation."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RegistryBoardNominee(Base):
    """A committee's representative for the Project Board (the rotation's pool)."""

    __tablename__ = "registry_board_nominees"
    __table_args__ = (UniqueConstraint("committee_name", "name", "named_by_case_id",
                                       name="uq_registry_board_nominee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_name: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200))
    """As the committee wrote it."""
    username: Mapped[str | None] = mapped_column(String(120))
    """The user who sits for it; None until linked (an unlinked nominee is skipped)."""
    rank: Mapped[int] = mapped_column(default=1)
    named_by_case_id: Mapped[int | None] = mapped_column()
    named_at: Mapped[datetime] = mapped_column(default=_utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()


class RegistryBoardTerm(Base):
    """One term on one rotating seat: who, for which committee, from when until when."""

    __tablename__ = "registry_board_terms"
    __table_args__ = (UniqueConstraint("seat", "term_from", name="uq_registry_board_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat: Mapped[int] = mapped_column()
    nominee_id: Mapped[int] = mapped_column(ForeignKey("registry_board_nominees.id"), index=True)
    committee_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(120))
    term_from: Mapped[datetime] = mapped_column()
    term_until: Mapped[datetime] = mapped_column()
    ended_early_at: Mapped[datetime | None] = mapped_column()
    body_membership_id: Mapped[int | None] = mapped_column()


class RegistryBoardDecision(Base):
    """The Board's decision on one work-plan activity, as its chair recorded it."""

    __tablename__ = "registry_board_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(unique=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    chair: Mapped[list[str]] = mapped_column(JSON, default=list)
    members_present: Mapped[list[str]] = mapped_column(JSON, default=list)
    members_sitting: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime] = mapped_column(default=_utcnow)


class BoardError(ValueError):
    """The Board cannot do what was asked (no quorum, someone present who does not sit ...)."""


def term_end(start: datetime, months: int = TERM_MONTHS) -> datetime:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, 28) if month == 2 else min(start.day, 30 if month in (4, 6, 9, 11) else 31)
    return start.replace(year=year, month=month, day=day)


def ensure_board(session: Session) -> None:
    """The engine body `project_board` and the chair's organisation."""
    code, name, kind = CHAIR_ORGANISATION
    bodies.ensure_organisation(session, code, name, kind)
    bodies.ensure_body(session, BOARD_BODY, BOARD_NAME, "project_board")


def resolve_user(session: Session, name: str) -> str | None:
    """The username a committee's nominee names: a username, or a user's exact display name."""
    text = name.strip()
    found = session.scalar(select(User.username).where(User.username == text))
    if found is None:
        matches = session.scalars(select(User.username).where(User.display_name == text)).all()
        found = matches[0] if len(matches) == 1 else None
    return found


# -- who sits --------------------------------------------------------------------------------

def _open_at(at: datetime) -> list[object]:
    return [RegistryBoardTerm.term_from <= at, RegistryBoardTerm.term_until > at,
            or_(RegistryBoardTerm.ended_early_at.is_(None), RegistryBoardTerm.ended_early_at > at)]


def sitting(session: Session, at: datetime | None = None) -> list[RegistryBoardTerm]:
    """The terms running at `at` (now), by seat."""
    moment = at or clock.now()
    return list(session.scalars(select(RegistryBoardTerm).where(*_open_at(moment))  # type: ignore[arg-type]
                                .order_by(RegistryBoardTerm.seat)).all())


def chairs(session: Session) -> list[str]:
    ensure_board(session)
    return bodies.people_of(session, BOARD_BODY, role="chair")


def _last_served(session: Session) -> tuple[dict[str, datetime], dict[int, datetime]]:
    by_committee: dict[str, datetime] = {}
    by_nominee: dict[int, datetime] = {}
    for term in session.scalars(select(RegistryBoardTerm)):
        end = term.ended_early_at or term.term_until
        by_committee[term.committee_name] = max(end, by_committee.get(term.committee_name, end))
        by_nominee[term.nominee_id] = max(end, by_nominee.get(term.nominee_id, end))
    return by_committee, by_nominee


def rotation(session: Session, at: datetime | None = None) -> list[RegistryBoardNominee]:
    """Who is next at `at` (now): one nominee per committee not sitting then, in order."""
    moment = at or clock.now()
    busy = {t.committee_name for t in sitting(session, moment)}
    busy_users = {t.username for t in sitting(session, moment)}
    by_committee, by_nominee = _last_served(session)
    never = datetime.min.replace(tzinfo=UTC)
    pool = [n for n in session.scalars(select(RegistryBoardNominee).where(
        RegistryBoardNominee.withdrawn_at.is_(None), RegistryBoardNominee.username.is_not(None)))
        if n.committee_name not in busy and n.username not in busy_users]
    first_named: dict[str, datetime] = {}
    for n in pool:
        first_named[n.committee_name] = min(n.named_at, first_named.get(n.committee_name, n.named_at))
    pool.sort(key=lambda n: (by_committee.get(n.committee_name, never), first_named[n.committee_name],
                             n.committee_name, by_nominee.get(n.id, never), n.rank, n.id))
    out: list[RegistryBoardNominee] = []
    for nominee in pool:
        if nominee.committee_name not in {n.committee_name for n in out}:
            out.append(nominee)
    return out


def _seat(session: Session, seat: int, nominee: RegistryBoardNominee, start: datetime) -> RegistryBoardTerm:
    assert nominee.username is not None
    until = term_end(start)
    term = RegistryBoardTerm(seat=seat, nominee_id=nominee.id, committee_name=nominee.committee_name,
                             username=nominee.username, term_from=start, term_until=until)
    term.body_membership_id = bodies.add_member(session, BOARD_BODY, f"user:{nominee.username}",
                                                role="representative", valid_from=start, valid_until=until)
    session.add(term)
    session.flush()
    return term


def _fill(session: Session, moment: datetime) -> list[RegistryBoardTerm]:
    taken = {t.seat for t in sitting(session, moment)}
    queue = rotation(session, moment)
    added = []
    for seat in range(1, BOARD_SEATS + 1):
        if seat in taken or not queue:
            continue
        if session.scalar(select(RegistryBoardTerm.id).where(RegistryBoardTerm.seat == seat,
                                                             RegistryBoardTerm.term_from == moment)):
            continue
        added.append(_seat(session, seat, queue.pop(0), moment))
    return added


def rotate(session: Session, at: datetime | None = None) -> list[RegistryBoardTerm]:
    """Fill the seats vacant at `at` (now) and seat who follows each running term when it ends.

    Idempotent: a second call at the same moment adds nothing. Does not commit."""
    ensure_board(session)
    moment = at or clock.now()
    added = _fill(session, moment)
    for end in sorted({t.ended_early_at or t.term_until for t in sitting(session, moment)}):
        added += _fill(session, end)
    return added


def withdraw_nominee(session: Session, nominee: RegistryBoardNominee, at: datetime) -> None:
    """Take a nominee out of the pool; a running term ends now, a future one is dropped."""
    nominee.withdrawn_at = at
    for term in session.scalars(select(RegistryBoardTerm).where(RegistryBoardTerm.nominee_id == nominee.id)):
        if term.term_until <= at or term.ended_early_at is not None:
            continue
        membership = session.get(Membership, term.body_membership_id) if term.body_membership_id else None
        if term.term_from > at:
            if membership is not None:
                session.delete(membership)
            session.delete(term)
            continue
        term.ended_early_at = at
        if membership is not None:
            bodies.end_membership(session, membership.id, at=at)
    session.flush()


def drop_future_terms(session: Session, at: datetime) -> None:
    """Forget the terms that start after `at` (the pool changed: `rotate` plans them again)."""
    for term in session.scalars(select(RegistryBoardTerm).where(RegistryBoardTerm.term_from > at)):
        membership = session.get(Membership, term.body_membership_id) if term.body_membership_id else None
        if membership is not None:
            session.delete(membership)
        session.delete(term)
    session.flush()


def name_nominees(session: Session, committee: str, names: list[str], case_id: int | None,
                  at: datetime | None = None) -> list[RegistryBoardNominee]:
    """The committee's nominees are now `names` (in rank order); others are withdrawn. Then rotate."""
    moment = at or clock.now()
    current = {n.name: n for n in session.scalars(select(RegistryBoardNominee).where(
        RegistryBoardNominee.committee_name == committee, RegistryBoardNominee.withdrawn_at.is_(None)))}
    kept = []
    for rank, name in enumerate(names, start=1):
        username = resolve_user(session, name)
        nominee = current.pop(name, None)
        same_person = [k for k, n in current.items() if username and n.username == username]
        if nominee is None and same_person:  # the same user, written another way
            nominee = current.pop(same_person[0])
        if nominee is None:
            nominee = RegistryBoardNominee(committee_name=committee, name=name, named_by_case_id=case_id,
                                           named_at=moment)
            session.add(nominee)
        nominee.rank = rank
        nominee.username = nominee.username or username
        kept.append(nominee)
    for gone in current.values():
        withdraw_nominee(session, gone, moment)
    drop_future_terms(session, moment)
    rotate(session, moment)
    return kept


# -- what the Board looks like ----------------------------------------------------------------

@dataclass(frozen=True)
class BoardMember:
    username: str
    label: str
    role: str
    """`chair` or `representative`."""
    committee: str | None = None
    seat: int | None = None
    term_from: datetime | None = None
    term_until: datetime | None = None


def _labels(session: Session, usernames: list[str]) -> dict[str, str]:
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(usernames))).all()
    return {u: d or u for u, d in rows}


def board_members(session: Session, at: datetime | None = None) -> list[BoardMember]:
    """The Board: its chair(s) now, then the representatives sitting at `at` (now) by seat."""
    terms = sitting(session, at)
    heads = chairs(session)
    labels = _labels(session, heads + [t.username for t in terms])
    out = [BoardMember(u, labels.get(u, u), "chair") for u in heads]
    out += [BoardMember(t.username, labels.get(t.username, t.username), "representative", t.committee_name,
                        t.seat, t.term_from, t.ended_early_at or t.term_until) for t in terms]
    return out


def quorum(sitting_representatives: int) -> int:
    """Representatives who must be present: a majority of those sitting, and at least two."""
    return max(MIN_SITTING, sitting_representatives // 2 + 1)


__all__ = [
    "BOARD_BODY", "BOARD_SEATS", "MIN_SITTING", "TERM_MONTHS", "BoardError", "BoardMember",
    "RegistryBoardDecision", "RegistryBoardNominee", "RegistryBoardTerm", "board_members", "chairs",
    "drop_future_terms", "ensure_board", "name_nominees", "quorum", "resolve_user", "rotate", "rotation",
    "sitting", "term_end", "withdraw_nominee",
]
