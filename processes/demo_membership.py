"""Demo data for the membership processes: member cities and institutions, committee bodies,
focal points and a few seats, and two more demo users.

- `hanoi_pc` (Hanoi People's Committee, group `applicant`) is a city that is not a member yet:
  it walks `alliance_membership`.
- `colombo` (Colombo Municipal Council, group `alliance_member`) is a member without seats:
  it walks `committee_membership` (e.g. Sports and Outdoor Activities) or `alliance_withdrawal`.
- The demo cities and institutions of processes/demo.py (quanzhou, chongqing, iran_chamber,
  bavaria_forum, mongolia_logistics) are members; each user is the person of the organisation
  of the same code, and gets the group `alliance_member`.
- `committee_sports` and `committee_trade` are the focal points of the Sports and Outdoor
  Activities and the Investment and Trade committees (`committee.<sector>#focal_point`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

MEMBERSHIP_DEMO_USERS: list[dict[str, Any]] = [
    {"username": "hanoi_pc", "display_name": "Hanoi People's Committee (membership applicant)",
     "groups": ["applicant"], "password": "demo-city-hanoi"},
    {"username": "colombo", "display_name": "Colombo Municipal Council",
     "groups": ["alliance_member"], "password": "demo-city-colombo"},
]

# (organisation code = demo username, name, kind, country, member since)
DEMO_ALLIANCE_MEMBERS: tuple[tuple[str, str, str, str, date], ...] = (
    ("quanzhou", "Quanzhou Municipal Government", "city", "China", date(2016, 5, 1)),
    ("chongqing", "Chongqing Municipal Government", "city", "China", date(2016, 5, 1)),
    ("colombo", "Colombo Municipal Council", "city", "Sri Lanka", date(2017, 3, 1)),
    ("iran_chamber", "Iran Chamber of Commerce", "institution", "Iran", date(2016, 5, 1)),
    ("bavaria_forum", "Bavaria-Chongqing Smart City Cooperation Forum", "institution", "Germany",
     date(2017, 6, 1)),
    ("mongolia_logistics", "China-Mongolia-Russia Logistics Information Centre", "institution", "Mongolia",
     date(2017, 6, 1)),
)
# (member code, committee sector)
DEMO_SEATS: tuple[tuple[str, str], ...] = (
    ("quanzhou", "investment_trade"), ("iran_chamber", "investment_trade"),
    ("chongqing", "smart_cities_emerging_industries"), ("bavaria_forum", "smart_cities_emerging_industries"),
)
# (username, committee sector): the committee's focal point
DEMO_FOCAL_POINTS: tuple[tuple[str, str], ...] = (
    ("committee_sports", "sports_outdoor"), ("committee_trade", "investment_trade"),
)
DEMO_SINCE = datetime(2016, 5, 1, tzinfo=UTC)


def seed_membership_demo(session: Session) -> None:
    """Members, committee bodies, focal points and seats (idempotent; does not commit).

    The committees come from the registry's seed, run first (it is idempotent too)."""
    from engine.access.bodies import add_member, ensure_body, ensure_organisation
    from engine.store.models import User
    from processes.handlers_membership import committee_body_code, grant_member_group
    from processes.registry import RegistryCommittee, seed_registry
    from processes.registry_membership import RegistryAllianceMember, RegistryCommitteeSeat

    seed_registry(session)
    members: dict[str, RegistryAllianceMember] = {}
    for code, name, kind, country, since in DEMO_ALLIANCE_MEMBERS:
        organisation = ensure_organisation(session, code, name, "city" if kind == "city" else "institution",
                                           country)
        user = session.scalar(select(User).where(User.username == code))
        if user is not None and user.organisation_id is None:
            user.organisation_id = organisation.id
        member = session.scalar(select(RegistryAllianceMember).where(RegistryAllianceMember.name == name))
        if member is None:
            member = RegistryAllianceMember(name=name, kind=kind, country=country, organisation_code=code,
                                            status="member", since=since)
            session.add(member)
        members[code] = member
        session.flush()
        grant_member_group(session, code)
    committees = {c.sector: c for c in session.scalars(select(RegistryCommittee)
                                                       .where(RegistryCommittee.status == "established"))}
    for sector, committee in committees.items():
        if sector != "business":
            ensure_body(session, committee_body_code(committee), committee.name, "committee")
    for username, sector in DEMO_FOCAL_POINTS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            add_member(session, committee_body_code(committees[sector]), f"user:{username}",
                       role="focal_point", valid_from=DEMO_SINCE)
    for code, sector in DEMO_SEATS:
        member, committee = members[code], committees[sector]
        seated = session.scalar(select(RegistryCommitteeSeat.id).where(
            RegistryCommitteeSeat.member_id == member.id, RegistryCommitteeSeat.committee_id == committee.id))
        if seated is None:
            membership_id = add_member(session, committee_body_code(committee), f"org:{code}",
                                       valid_from=DEMO_SINCE)
            session.add(RegistryCommitteeSeat(committee_id=committee.id, member_id=member.id, status="active",
                                              since=member.since, body_membership_id=membership_id))
    session.flush()


__all__ = ["DEMO_ALLIANCE_MEMBERS", "DEMO_FOCAL_POINTS", "DEMO_SEATS", "MEMBERSHIP_DEMO_USERS",
           "seed_membership_demo"]
