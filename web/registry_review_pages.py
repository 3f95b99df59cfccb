"""Registry sections for activity follow-ups and committee reviews (shown on /registry).

Each approved work-plan activity shows its registry number (what `activity_follow_up` asks for),
its follow-up, its reports and the funds spent against the funds approved, linked to the
follow-up's case; each committee review shows the facts, the proposal, the answer and the
decision, linked to the review's case.
"""

from __future__ import annotations

from flask_babel import gettext as _

from processes.registry_reads import committee_reviews, followed_activities
from web.db import get_db
from web.registry_view import Entry, Section, case_links, day, money


def _activity_reports() -> Section:
    entries = []
    for activity, follow_up, reports in followed_activities(get_db()):
        facts = [(_("Registry number"), str(activity.id)), (_("Committee"), activity.committee_name),
                 (_("Seed funding approved"), money(activity.approved_seed_funding))]
        if follow_up is None:
            facts.append((_("Follow-up"), _("not started")))
            entries.append(Entry(activity.title or "", facts, []))
            continue
        behind = follow_up.behind_since.date() if follow_up.behind_since else None
        facts += [(_("Follow-up"), follow_up.status),
                  (_("Seed funding spent"), money(follow_up.funds_spent)), (_("Behind since"), day(behind))]
        facts += [(_("Report"), f"{r.period}: {r.summary or ''} ({money(r.funds_spent)})")
                  for r in reports]
        entries.append(Entry(activity.title or "", facts, case_links(follow_up.case_id)))
    return Section("activity-reports", _("Approved activities and their reports"), entries)


def _committee_reviews() -> Section:
    entries = []
    for row in committee_reviews(get_db()):
        facts = [(_("Activities submitted, approved, with reports"),
                  f"{row.activities_submitted}, {row.activities_approved}, {row.activities_reported}"),
                 (_("Proposal"), row.proposal or ""), (_("Answer"), row.committee_answer or ""),
                 (_("Decision"), row.decision or ""), (_("Decided on"), day(row.decided_on))]
        entries.append(Entry(_("%(committee)s, %(year)s", committee=row.committee_name, year=row.year),
                             facts, case_links(row.case_id)))
    return Section("committee-reviews", _("Committee reviews"), entries)


def review_sections() -> list[Section]:
    return [_activity_reports(), _committee_reviews()]


__all__ = ["review_sections"]
