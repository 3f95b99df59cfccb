"""The Alliance's registry, readable by everyone who logs in (blueprint `registry`, /registry).

Alliance members and their committee seats, committees, Business Council members and
observers, initiatives and their task forces, and the Annual Work Plans with their activities.
Each row links to the cases that changed it (the registry rows carry case ids; the case page
itself checks who may open it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, render_template, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from processes.registry import (
    RegistryBusinessCouncilMember,
    RegistryCommittee,
    RegistryInitiative,
    RegistryTaskForce,
    RegistryWorkPlan,
    RegistryWorkPlanActivity,
)
from processes.registry_membership import alliance_members
from web.db import get_db

bp = Blueprint("registry", __name__, url_prefix="/registry")


@dataclass(frozen=True)
class CaseLink:
    label: str
    url: str


@dataclass(frozen=True)
class Entry:
    title: str
    facts: list[tuple[str, str]]
    cases: list[CaseLink]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: list[Entry]


def _case(case_id: int | None) -> list[CaseLink]:
    if case_id is None:
        return []
    return [CaseLink(_("Case %(id)d", id=case_id), url_for("dashboard.case", case_id=case_id))]


def _day(value: date | None) -> str:
    return format_date(value) if value else ""


def _money(value: Decimal | None) -> str:
    return format_decimal(value or 0, format="#,##0.00")


def _committees() -> Section:
    session = get_db()
    committee_cases: dict[str, set[int]] = {}
    for name, case_id in session.execute(select(RegistryWorkPlanActivity.committee_name,
                                                RegistryWorkPlanActivity.case_id)):
        if case_id is not None:
            committee_cases.setdefault(name, set()).add(case_id)
    entries = []
    for c in session.scalars(select(RegistryCommittee).order_by(RegistryCommittee.status.desc(),
                                                                 RegistryCommittee.name)):
        ids = sorted({*committee_cases.get(c.name, set()),
                      *([c.updated_by_case_id] if c.updated_by_case_id else [])})
        entries.append(Entry(c.name, [
            (_("Status"), c.status), (_("Sector"), c.sector or ""),
            (_("Proposed by"), c.proposing_entity or ""),
            (_("Partners"), ", ".join(c.partner_institutions or [])),
            (_("Project Board representatives"), ", ".join(c.board_representatives or [])),
            (_("Established on"), _day(c.established_on))],
            [link for i in ids for link in _case(i)]))
    return Section("committees", _("Specialized committees"), entries)


def _members() -> Section:
    rows = get_db().scalars(select(RegistryBusinessCouncilMember)
                            .order_by(RegistryBusinessCouncilMember.kind,
                                      RegistryBusinessCouncilMember.name))
    kinds = {"group_member": _("Group member"), "individual_member": _("Individual member"),
             "observer": _("Observer")}
    entries = [Entry(m.name, [(_("Kind"), kinds.get(m.kind, m.kind)),
                              (_("Organisation"), m.organisation_type or ""),
                              (_("Since"), _day(m.since)),
                              (_("Eligible for membership from"), _day(m.eligible_from))],
                     _case(m.case_id)) for m in rows]
    return Section("members", _("Business Council members and observers"), entries)


def _initiatives() -> Section:
    session = get_db()
    forces: dict[int, list[RegistryTaskForce]] = {}
    for force in session.scalars(select(RegistryTaskForce).order_by(RegistryTaskForce.id)):
        forces.setdefault(force.initiative_id, []).append(force)
    entries = []
    for i in session.scalars(select(RegistryInitiative).order_by(RegistryInitiative.id)):
        mine = forces.get(i.id, [])
        facts = [(_("Status"), i.status), (_("Partner cities"), ", ".join(i.partner_cities or []))]
        facts += [(_("Task force"), f"{f.lead} ({f.status})") for f in mine]
        entries.append(Entry(i.title, facts,
                             _case(i.case_id) + [link for f in mine for link in _case(f.case_id)]))
    return Section("initiatives", _("Initiatives and their task forces"), entries)


def _work_plans() -> Section:
    entries = []
    for plan in get_db().scalars(select(RegistryWorkPlan).order_by(RegistryWorkPlan.year.desc())):
        facts = [(_("Status"), plan.status), (_("Approved budget"), _money(plan.approved_budget))]
        links = _case(plan.case_id)
        for a in plan.activities:
            facts.append((a.committee_name, f"{a.title or ''} — {a.status}, "
                                             f"{_money(a.approved_seed_funding)}"))
            links += [link for link in _case(a.case_id) if link not in links]
        entries.append(Entry(_("Annual Work Plan %(year)s", year=plan.year), facts, links))
    return Section("work-plans", _("Annual Work Plans"), entries)


def _alliance_members() -> Section:
    """Member cities and institutions with their committee seats; links to every case that
    admitted, seated, unseated or withdrew them."""
    kinds = {"city": _("City"), "institution": _("Institution")}
    statuses = {"member": _("Member"), "withdrawn": _("Withdrawn"), "active": _("Active"),
                "ended": _("Ended")}
    entries = []
    for m in alliance_members(get_db()):
        facts = [(_("Kind"), kinds.get(m.kind, m.kind)), (_("Country"), m.country or ""),
                 (_("Status"), statuses.get(m.status, m.status)), (_("Since"), _day(m.since)),
                 (_("Until"), _day(m.until))]
        facts += [(_("Committee seat"), f"{s.committee} — {statuses.get(s.status, s.status)}, {_day(s.since)}"
                   + (f" / {_day(s.until)}" if s.until else "")) for s in m.seats]
        entries.append(Entry(m.name, facts, [link for i in m.case_ids for link in _case(i)]))
    return Section("alliance-members", _("Alliance members and their committee seats"), entries)


@bp.route("/")
def index() -> str:
    from web.registry_forum_pages import forum_sections  # imports this module's helpers
    from web.registry_review_pages import review_sections

    sections = [_alliance_members(), _committees(), _members(), _initiatives(), _work_plans(),
                *forum_sections(), *review_sections()]
    return render_template("registry/index.html", sections=sections)
