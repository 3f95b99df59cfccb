"""Service-task handlers of the Business Council membership (`business_council_membership.bpmn`).

The framework: organisations and individuals may ask to observe; "after one year as observer,
an organisation or company may apply for membership" by nomination of the Director General.
Group members are industrial or commercial groups (chambers of commerce, industry and trade
associations); individual members are entrepreneurs and executives, so an individual membership
names its person. An applicant already in the registry as observer keeps its year: it is never
reset by a new application.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.registry import RegistryBusinessCouncilMember

GROUP_TYPES = ("chamber_of_commerce", "industry_association", "business_association")
"""What a group member may be: an industrial or commercial group, not a single company."""


def _member(session: Session, name: str) -> RegistryBusinessCouncilMember | None:
    return session.scalar(select(RegistryBusinessCouncilMember)
                          .where(RegistryBusinessCouncilMember.name == name))


def _eligibility(member: RegistryBusinessCouncilMember) -> dict[str, Any]:
    eligible = member.eligible_from or call_data.one_year_later(member.since)
    return {"observer_since": member.since.isoformat(), "eligible_from": eligible.isoformat(),
            "eligible_at": datetime.combine(eligible, time(0), tzinfo=UTC).isoformat()}


def find_business_council_member(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Is the applicant already in the registry? `registry_kind`: new, observer or member; an
    observer gets its own `eligible_at` (one year after it became observer) and whether it may
    apply (an individual observer may not)."""
    member = _member(session, call_data.required(call.data, "applicant_name"))
    if member is None:
        return {"registry_kind": "new"}
    if member.kind != "observer":
        return {"registry_kind": "member", "member_kind": member.kind}
    kind = member.organisation_type or call_data.text(call.data, "applicant_kind")
    return {"registry_kind": "observer", "may_apply_for_membership": kind != "individual",
            **_eligibility(member)}


def register_observer(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Register an approved applicant as observer; eligible for membership one year later. An
    existing observer keeps the date it became one."""
    d = call.data
    name = call_data.required(d, "applicant_name")
    member = _member(session, name)
    if member is not None and member.kind != "observer":
        raise HandlerError(f"{name!r} is already a {member.kind}")
    if member is None:
        member = RegistryBusinessCouncilMember(name=name, kind="observer", since=call_data.now().date())
        session.add(member)
    member.case_id = member.case_id or call.case_id
    member.eligible_from = call_data.one_year_later(member.since)
    member.organisation_type = call_data.text(d, "applicant_kind") or member.organisation_type
    member.sector = call_data.text(d, "sector") or member.sector
    member.contact_email = call_data.text(d, "contact_email") or member.contact_email
    session.flush()
    return _eligibility(member)


def register_member(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Admit a nominated observer as group or individual member (upsert by name)."""
    d = call.data
    name = call_data.required(d, "applicant_name")
    kind = call_data.text(d, "membership_kind", required=True)
    if kind == "group_member":
        group = call_data.text(d, "organisation_type")
        if group not in GROUP_TYPES:
            raise HandlerError(f"a group member is an industrial or commercial group "
                               f"({', '.join(GROUP_TYPES)}), not {group!r} (field 'organisation_type')")
    elif kind == "individual_member":
        call_data.required(d, "nominee_name")
    else:
        raise HandlerError(f"unknown membership kind {kind!r}")
    member = _member(session, name)
    if member is None:
        member = RegistryBusinessCouncilMember(name=name, kind=kind, since=call_data.now().date())
        session.add(member)
    elif member.kind != kind:
        member.kind, member.since = kind, call_data.now().date()
    member.organisation_type = call_data.text(d, "organisation_type") or member.organisation_type
    member.nominee_name = call_data.text(d, "nominee_name") if kind == "individual_member" else None
    member.case_id = call.case_id
    session.flush()
    return {"member_kind": kind, "member_since": member.since.isoformat()}


HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    find_business_council_member, register_observer, register_member)}

__all__ = ["GROUP_TYPES", "HANDLERS"]
