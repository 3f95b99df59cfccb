"""Registry sections for activity follow-ups and committee reviews (shown on /registry).

Each approved work-plan activity shows its registry number (what `activity_follow_up` asks for),
its follow-up, its reports and the funds spent against the funds approved, linked to the
follow-up's case; each committee review shows the facts, the proposal, the answer and the
decision, linked to the review's case.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from processes.handlers_follow_up import FOLLOWED_STATUSES
from processes.registry import RegistryWorkPlanActivity
from processes.registry_review import (
    RegistryActivityFollowUp,
    RegistryActivityReport,
    RegistryCommitteeReview,
)
from web.db import get_db
from web.registry_pages import Entry, Section, _case, _day, _money


def _activity_reports() -> Section:
    session = get_db()
    follow_ups = {f.activity_id: f for f in session.scalars(select(RegistryActivityFollowUp))}
    reports: dict[int, list[RegistryActivityReport]] = {}
    for report in session.scalars(select(RegistryActivityReport).order_by(RegistryActivityReport.id)):
        reports.setdefault(report.follow_up_id, []).append(report)
    entries = []
    for activity in session.scalars(select(RegistryWorkPlanActivity)
                                    .where(RegistryWorkPlanActivity.status.in_(FOLLOWED_STATUSES))
                                    .order_by(RegistryWorkPlanActivity.id.desc())):
        follow_up = follow_ups.get(activity.id)
        facts = [(_("Registry number"), str(activity.id)), (_("Committee"), activity.committee_name),
                 (_("Seed funding approved"), _money(activity.approved_seed_funding))]
        if follow_up is None:
            facts.append((_("Follow-up"), _("not started")))
            entries.append(Entry(activity.title or "", facts, []))
            continue
        behind = follow_up.behind_since.date() if follow_up.behind_since else None
        facts += [(_("Follow-up"), follow_up.status),
                  (_("Seed funding spent"), _money(follow_up.funds_spent)), (_("Behind since"), _day(behind))]
        facts += [(_("Report"), f"{r.period}: {r.summary or ''} ({_money(r.funds_spent)})")
                  for r in reports.get(follow_up.id, [])]
        entries.append(Entry(activity.title or "", facts, _case(follow_up.case_id)))
    return Section("activity-reports", _("Approved activities and their reports"), entries)


def _committee_reviews() -> Section:
    entries = []
    query = select(RegistryCommitteeReview).order_by(RegistryCommitteeReview.year.desc(),
                                                     RegistryCommitteeReview.committee_name)
    for row in get_db().scalars(query):
        facts = [(_("Activities submitted, approved, with reports"),
                  f"{row.activities_submitted}, {row.activities_approved}, {row.activities_reported}"),
                 (_("Proposal"), row.proposal or ""), (_("Answer"), row.committee_answer or ""),
                 (_("Decision"), row.decision or ""), (_("Decided on"), _day(row.decided_on))]
        entries.append(Entry(_("%(committee)s, %(year)s", committee=row.committee_name, year=row.year),
                             facts, _case(row.case_id)))
    return Section("committee-reviews", _("Committee reviews"), entries)


def review_sections() -> list[Section]:
    return [_activity_reports(), _committee_reviews()]


__all__ = ["review_sections"]
