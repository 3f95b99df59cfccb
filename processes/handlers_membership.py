"""Handlers of the Alliance's membership processes (`alliance_membership`, `alliance_withdrawal`,
`committee_membership`).

Like every handler (see processes/handlers.py) each one reads `call.data`, writes through the
session without committing and is safe to run twice: the admission is an upsert on the
member's name, a seat is keyed by its case, a withdrawal by the member and its case.

Who is asking is the user who started the case (`Case.started_by`); the member they speak for
is their organisation (engine.access.bodies). Admission makes the applicant an engine
organisation, puts the applying user in it and gives the organisation's people the group
`alliance_member` (the start right of the committee and withdrawal processes). A committee
seat is the organisation's membership of the committee's body, `committee.<sector>`: the
member's people are then offered the committee's tasks (`body:committee.<sector>`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.bodies import add_member, end_membership, ensure_body, ensure_organisation
from engine.access.users import get_group
from engine.runtime.handlers import Handler, ServiceCall
from engine.store.models import Membership, Organisation, User
from processes import call_data
from processes.call_data import HandlerError
from processes.registry import RegistryCommittee
from processes.registry_membership import (
    ALLIANCE_MEMBER_KINDS,
    RegistryAllianceMember,
    RegistryCommitteeSeat,
)

MEMBER_GROUP = "alliance_member"
"""The group of every member's people: they may ask for a committee seat and give notice."""
NOT_JOINABLE = ("business",)
"""Sectors whose committee is not joined this way (the Business Council has its own process)."""


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:120] or "member"


def committee_body_code(committee: RegistryCommittee) -> str:
    """The engine body of a committee: `committee.<sector>` (`committee.sports_outdoor`)."""
    return f"committee.{committee.sector or slug(committee.name)}"


def _starter(session: Session, case_id: int) -> User | None:
    username = call_data.case_starter(session, case_id)
    return session.scalar(select(User).where(User.username == username)) if username else None


def _organisation_code(session: Session, user: User | None) -> str | None:
    if user is None or user.organisation_id is None:
        return None
    return session.scalar(select(Organisation.code).where(Organisation.id == user.organisation_id))


def member_of_starter(session: Session, case_id: int) -> RegistryAllianceMember | None:
    """The Alliance member (current or past) the case's starter speaks for, if any."""
    code = _organisation_code(session, _starter(session, case_id))
    if code is None:
        return None
    return session.scalar(select(RegistryAllianceMember)
                          .where(RegistryAllianceMember.organisation_code == code))


def _people(session: Session, organisation_code: str) -> list[User]:
    return list(session.scalars(select(User).join(Organisation, Organisation.id == User.organisation_id)
                                .where(Organisation.code == organisation_code)).all())


def grant_member_group(session: Session, organisation_code: str) -> None:
    group = get_group(session, MEMBER_GROUP, create=True)
    for user in _people(session, organisation_code):
        if group not in user.groups:
            user.groups.append(group)


def _revoke_member_group(session: Session, organisation_code: str) -> None:
    for user in _people(session, organisation_code):
        user.groups = [g for g in user.groups if g.name != MEMBER_GROUP]


def register_alliance_member(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Admit the applicant (upsert by name); a withdrawn member is admitted again."""
    d = call.data
    name = call_data.required(d, "member_name")
    kind = call_data.required(d, "member_kind")
    if kind not in ALLIANCE_MEMBER_KINDS:
        raise HandlerError(f"unknown member kind {kind!r} (field 'member_kind')")
    member = session.scalar(select(RegistryAllianceMember).where(RegistryAllianceMember.name == name))
    if member is not None and member.status == "member" and member.case_id != call.case_id:
        raise HandlerError(f"{name!r} is already a member of the Alliance (case {member.case_id})")
    starter = _starter(session, call.case_id)
    code = (member.organisation_code if member is not None
            else _organisation_code(session, starter) or slug(name))
    taken = session.scalar(select(RegistryAllianceMember)
                           .where(RegistryAllianceMember.organisation_code == code))
    if taken is not None and taken is not member:
        raise HandlerError(f"organisation {code!r} already stands for the member {taken.name!r}")
    country = call_data.text(d, "country")
    organisation = ensure_organisation(session, code, name, "city" if kind == "city" else "institution",
                                       country)
    today = call_data.now().date()
    if member is None:
        member = RegistryAllianceMember(name=name, organisation_code=code, status="member", since=today,
                                        case_id=call.case_id)
        session.add(member)
    elif member.case_id != call.case_id:  # a former member comes back
        member.status, member.since, member.until, member.case_id = "member", today, None, call.case_id
        member.withdrawal_reason, member.withdrawal_case_id = None, None
    member.kind, member.country = kind, country
    member.representative = call_data.text(d, "representative")
    member.contact_email = call_data.text(d, "contact_email")
    if starter is not None and starter.organisation_id is None:
        starter.organisation_id = organisation.id
    session.flush()
    grant_member_group(session, code)
    return {"member_code": code, "member_since": member.since.isoformat()}


def _active_seats(session: Session, member: RegistryAllianceMember) -> list[RegistryCommitteeSeat]:
    return list(session.scalars(select(RegistryCommitteeSeat).where(
        RegistryCommitteeSeat.member_id == member.id, RegistryCommitteeSeat.status == "active")
        .order_by(RegistryCommitteeSeat.id)).all())


def _committee_names(session: Session, seats: list[RegistryCommitteeSeat]) -> list[str]:
    ids = [s.committee_id for s in seats]
    if not ids:
        return []
    return list(session.scalars(select(RegistryCommittee.name).where(RegistryCommittee.id.in_(ids))
                                .order_by(RegistryCommittee.name)).all())


def identify_member(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Who gives notice: the member the starter speaks for, and its committee seats (read only)."""
    member = member_of_starter(session, call.case_id)
    if member is None or member.status != "member":
        return {"requester_not_member": True, "member_name": None, "member_committees": ""}
    return {"requester_not_member": False, "member_name": member.name,
            "member_since": member.since.isoformat(),
            "member_committees": ", ".join(_committee_names(session, _active_seats(session, member)))}


def _end_seat(session: Session, seat: RegistryCommitteeSeat, case_id: int, at: datetime) -> None:
    seat.status, seat.until, seat.ended_by_case_id = "ended", at.date(), case_id
    row = session.get(Membership, seat.body_membership_id) if seat.body_membership_id else None
    if row is not None and (row.valid_until is None or row.valid_until > at):
        end_membership(session, row.id, at=at)


def record_alliance_withdrawal(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The member leaves the Alliance: its seats end, its people lose the committees' tasks."""
    member = member_of_starter(session, call.case_id)
    if member is None:
        raise HandlerError(f"the starter of case {call.case_id} speaks for no Alliance member")
    if member.status == "withdrawn" and member.withdrawal_case_id == call.case_id:
        return {"withdrawn_on": member.until.isoformat() if member.until else None}
    if member.status != "member":
        raise HandlerError(f"{member.name!r} is not a member of the Alliance")
    now = call_data.now()
    seats = _active_seats(session, member)
    for seat in seats:
        _end_seat(session, seat, call.case_id, now)
    member.status, member.until, member.withdrawal_case_id = "withdrawn", now.date(), call.case_id
    member.withdrawal_reason = call_data.text(call.data, "withdrawal_reason")
    _revoke_member_group(session, member.organisation_code)
    session.flush()
    return {"withdrawn_on": now.date().isoformat(), "seats_ended": len(seats)}


def _committee_by_sector(session: Session, sector: str) -> RegistryCommittee | None:
    return session.scalar(select(RegistryCommittee).where(RegistryCommittee.sector == sector))


def look_up_committee_request(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The facts the Secretariat checks: is the requester a member, is the committee established,
    does the member sit on it already (read only)."""
    sector = call_data.required(call.data, "committee")
    committee = _committee_by_sector(session, sector)
    if committee is None or sector in NOT_JOINABLE:
        raise HandlerError(f"no specialized committee for sector {sector!r} (field 'committee')")
    member = member_of_starter(session, call.case_id)
    seats = _active_seats(session, member) if member is not None else []
    seated = any(s.committee_id == committee.id for s in seats)
    return {"committee_name": committee.name, "committee_body": committee_body_code(committee),
            "member_name": member.name if member is not None else None,
            "requester_not_member": member is None or member.status != "member",
            "committee_not_established": committee.status != "established",
            "already_seated": seated}


def join_committee(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Give the member a seat on the committee (one per case) and its people the committee's tasks."""
    d = call.data
    seat = session.scalar(select(RegistryCommitteeSeat).where(RegistryCommitteeSeat.case_id == call.case_id))
    if seat is not None:
        return {"seat_id": seat.id, "seat_since": seat.since.isoformat()}
    sector = call_data.required(d, "committee")
    committee = _committee_by_sector(session, sector)
    if committee is None or committee.status != "established" or sector in NOT_JOINABLE:
        raise HandlerError(f"{sector!r} is not an established specialized committee (field 'committee')")
    member = member_of_starter(session, call.case_id)
    if member is None or member.status != "member":
        raise HandlerError(f"the starter of case {call.case_id} speaks for no current Alliance member")
    if any(s.committee_id == committee.id for s in _active_seats(session, member)):
        raise HandlerError(f"{member.name!r} has a seat on {committee.name!r} already")
    body = ensure_body(session, committee_body_code(committee), committee.name, "committee")
    membership_id = add_member(session, body.code, f"org:{member.organisation_code}", role="member")
    seat = RegistryCommitteeSeat(committee_id=committee.id, member_id=member.id, status="active",
                                 since=call_data.now().date(), case_id=call.case_id,
                                 body_membership_id=membership_id,
                                 contribution=call_data.text(d, "contribution"),
                                 contact_person=call_data.text(d, "contact_person"))
    session.add(seat)
    session.flush()
    return {"seat_id": seat.id, "seat_since": seat.since.isoformat()}


UNGUARDED: dict[str, Handler] = {f.__name__: f for f in (identify_member, look_up_committee_request)}
GUARDED: dict[str, dict[str, Handler]] = {
    "alliance_membership": {"register_alliance_member": register_alliance_member},
    "alliance_withdrawal": {"record_alliance_withdrawal": record_alliance_withdrawal},
    "committee_membership": {"join_committee": join_committee},
}

__all__ = ["GUARDED", "MEMBER_GROUP", "UNGUARDED", "committee_body_code", "grant_member_group",
           "member_of_starter", "slug"]
