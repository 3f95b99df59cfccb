"""The Alliance's registry, readable by everyone who logs in (blueprint `registry`, /registry).

Alliance members and their committee seats, committees, Business Council members and
observers, initiatives and their task forces, the Annual Work Plans with their activities,
action plans, Cities Forum editions, activity follow-ups and committee reviews
(processes.registry_reads). Each row links to the cases that changed it (the registry rows
carry case ids; the case page itself checks who may open it).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from processes.registry_membership import alliance_members
from processes.registry_reads import (
    committees_with_cases,
    council_members,
    initiatives_with_task_forces,
    work_plans,
)
from web.db import get_db
from web.registry_forum_pages import forum_sections
from web.registry_review_pages import review_sections
from web.registry_view import Entry, Section, case_links, day, money

bp = Blueprint("registry", __name__, url_prefix="/registry")


def _committees() -> Section:
    entries = []
    for c, ids in committees_with_cases(get_db()):
        entries.append(Entry(c.name, [
            (_("Status"), c.status), (_("Sector"), c.sector or ""),
            (_("Proposed by"), c.proposing_entity or ""),
            (_("Partners"), ", ".join(c.partner_institutions or [])),
            (_("Project Board representatives"), ", ".join(c.board_representatives or [])),
            (_("Established on"), day(c.established_on))],
            [link for i in ids for link in case_links(i)]))
    return Section("committees", _("Specialized committees"), entries)


def _members() -> Section:
    rows = council_members(get_db())
    kinds = {"group_member": _("Group member"), "individual_member": _("Individual member"),
             "observer": _("Observer")}
    entries = [Entry(m.name, [(_("Kind"), kinds.get(m.kind, m.kind)),
                              (_("Organisation"), m.organisation_type or ""),
                              (_("Since"), day(m.since)),
                              (_("Eligible for membership from"), day(m.eligible_from))],
                     case_links(m.case_id)) for m in rows]
    return Section("members", _("Business Council members and observers"), entries)


def _initiatives() -> Section:
    entries = []
    for i, mine in initiatives_with_task_forces(get_db()):
        facts = [(_("Status"), i.status), (_("Partner cities"), ", ".join(i.partner_cities or []))]
        facts += [(_("Task force"), f"{f.lead} ({f.status})") for f in mine]
        entries.append(Entry(i.title, facts,
                             case_links(i.case_id) + [link for f in mine for link in case_links(f.case_id)]))
    return Section("initiatives", _("Initiatives and their task forces"), entries)


def _work_plans() -> Section:
    entries = []
    for plan in work_plans(get_db()):
        facts = [(_("Status"), plan.status), (_("Approved budget"), money(plan.approved_budget))]
        links = case_links(plan.case_id)
        for a in plan.activities:
            facts.append((a.committee_name, f"{a.title or ''} — {a.status}, "
                                             f"{money(a.approved_seed_funding)}"))
            links += [link for link in case_links(a.case_id) if link not in links]
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
                 (_("Status"), statuses.get(m.status, m.status)), (_("Since"), day(m.since)),
                 (_("Until"), day(m.until))]
        facts += [(_("Committee seat"), f"{s.committee} — {statuses.get(s.status, s.status)}, {day(s.since)}"
                   + (f" / {day(s.until)}" if s.until else "")) for s in m.seats]
        entries.append(Entry(m.name, facts, [link for i in m.case_ids for link in case_links(i)]))
    return Section("alliance-members", _("Alliance members and their committee seats"), entries)


@bp.route("/")
def index() -> str:
    sections = [_alliance_members(), _committees(), _members(), _initiatives(), _work_plans(),
                *forum_sections(), *review_sections()]
    return render_template("registry/index.html", sections=sections)
