"""Registry sections for action plans and the Cities Forum (shown on /registry).

Each plan links to its case and to the cases of the initiatives started from it; each Forum
edition lists its host, participants and agreements (with their follow-up) and links to its case.
"""

from __future__ import annotations

from flask_babel import gettext as _

from processes.registry_reads import action_plans_with_initiatives, forum_editions
from web.db import get_db
from web.registry_view import Entry, Section, case_links, day, money


def _action_plans() -> Section:
    entries = []
    for plan, initiatives in action_plans_with_initiatives(get_db()):
        facts = [(_("Status"), plan.status), (_("Kind"), plan.kind),
                 (_("Lead committee"), plan.lead_committee),
                 (_("Other committees"), ", ".join(plan.contributing_committees or [])),
                 (_("Seed funding requested"), money(plan.requested_seed_funding)),
                 (_("Seed funding approved"), money(plan.approved_seed_funding)),
                 (_("Decided on"), day(plan.decided_on))]
        facts += [(_("Initiative"), i.title) for i in initiatives]
        links = case_links(plan.case_id) + [link for i in initiatives for link in case_links(i.case_id)]
        entries.append(Entry(plan.title, facts, links))
    return Section("action-plans", _("Action plans"), entries)


def _forums() -> Section:
    entries = []
    for forum in forum_editions(get_db()):
        facts = [(_("Status"), forum.status), (_("Host city"), forum.host_city or ""),
                 (_("Venue"), forum.venue or "")]
        facts += [(_("Participant"), f"{p.city} ({p.attendance})") for p in forum.participants]
        facts += [(_("Agreement"), f"{a.title} — {a.follow_up_committee or ''}: {a.follow_up_status}")
                  for a in forum.agreements]
        entries.append(Entry(_("Cities Forum %(year)s", year=forum.year), facts, case_links(forum.case_id)))
    return Section("cities-forum", _("Cities Forum editions and their agreements"), entries)


def forum_sections() -> list[Section]:
    return [_action_plans(), _forums()]


__all__ = ["forum_sections"]
