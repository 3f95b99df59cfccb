"""Registry sections for action plans and the Cities Forum (shown on /registry).

Each plan links to its case and to the cases of the initiatives started from it; each Forum
edition lists its host, participants and agreements (with their follow-up) and links to its case.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from processes.registry import RegistryInitiative
from processes.registry_forum import RegistryActionPlan, RegistryActionPlanInitiative, RegistryForumEdition
from web.db import get_db
from web.registry_pages import Entry, Section, _case, _day, _money


def _action_plans() -> Section:
    session = get_db()
    started: dict[int, list[RegistryInitiative]] = {}
    for link, initiative in session.execute(
            select(RegistryActionPlanInitiative, RegistryInitiative)
            .join(RegistryInitiative, RegistryInitiative.id == RegistryActionPlanInitiative.initiative_id)):
        started.setdefault(link.action_plan_id, []).append(initiative)
    entries = []
    for plan in session.scalars(select(RegistryActionPlan).order_by(RegistryActionPlan.id.desc())):
        initiatives = started.get(plan.id, [])
        facts = [(_("Status"), plan.status), (_("Kind"), plan.kind),
                 (_("Lead committee"), plan.lead_committee),
                 (_("Other committees"), ", ".join(plan.contributing_committees or [])),
                 (_("Seed funding requested"), _money(plan.requested_seed_funding)),
                 (_("Seed funding approved"), _money(plan.approved_seed_funding)),
                 (_("Decided on"), _day(plan.decided_on))]
        facts += [(_("Initiative"), i.title) for i in initiatives]
        entries.append(Entry(plan.title, facts,
                             _case(plan.case_id) + [link for i in initiatives for link in _case(i.case_id)]))
    return Section("action-plans", _("Action plans"), entries)


def _forums() -> Section:
    entries = []
    for forum in get_db().scalars(select(RegistryForumEdition).order_by(RegistryForumEdition.year.desc())):
        facts = [(_("Status"), forum.status), (_("Host city"), forum.host_city or ""),
                 (_("Venue"), forum.venue or "")]
        facts += [(_("Participant"), f"{p.city} ({p.attendance})") for p in forum.participants]
        facts += [(_("Agreement"), f"{a.title} — {a.follow_up_committee or ''}: {a.follow_up_status}")
                  for a in forum.agreements]
        entries.append(Entry(_("Cities Forum %(year)s", year=forum.year), facts, _case(forum.case_id)))
    return Section("cities-forum", _("Cities Forum editions and their agreements"), entries)


def forum_sections() -> list[Section]:
    return [_action_plans(), _forums()]


__all__ = ["forum_sections"]
