"""Handlers of `activity_follow_up`: an approved work-plan activity reports until it closes.

Same contract as `processes.handlers`: `handler(session, call) -> dict`, no commit, an upsert on a
natural key (the activity for a follow-up; follow-up + period for a report), `HandlerError` on bad
data naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.notify.handler import remind
from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.registry import RegistryWorkPlanActivity
from processes.registry_review import RegistryActivityFollowUp, RegistryActivityReport

FOLLOWED_STATUSES = ("approved", "partly_approved")
"""Work-plan activities that get a follow-up (the Board granted them funds)."""
FINAL_PERIOD = "final"


def _follow_up(session: Session, call: ServiceCall) -> RegistryActivityFollowUp:
    row = session.scalar(select(RegistryActivityFollowUp)
                         .where(RegistryActivityFollowUp.case_id == call.case_id))
    if row is None:
        raise HandlerError(f"case {call.case_id} follows no activity up")
    return row


def _activity(session: Session, raw: Any) -> RegistryWorkPlanActivity | None:
    try:
        return session.get(RegistryWorkPlanActivity, int(raw))
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"activity_id: bad value {raw!r}") from exc


def open_activity_follow_up(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Start following an approved activity up (one follow-up per activity).

    An activity the Board did not approve, or one already followed up by another case, is
    refused (`follow_up_refused`, `refusal_reason`): the case ends at *Follow-up refused*."""
    d = call.data
    activity = _activity(session, d.get("activity_id"))
    if activity is None:
        raise HandlerError(f"activity_id: unknown work-plan activity {d.get('activity_id')!r}")
    due = call_data.parse_time(call_data.required(d, "final_report_due"))
    row = session.scalar(select(RegistryActivityFollowUp)
                         .where(RegistryActivityFollowUp.activity_id == activity.id))
    reason = None
    if activity.status not in FOLLOWED_STATUSES:
        reason = f"the activity is {activity.status}, not approved"
    elif row is not None and row.case_id != call.case_id:
        reason = f"the activity is already followed up (case {row.case_id})"
    title = f"Follow-up: {activity.title} ({activity.committee_name})"
    if reason is not None:
        return {"follow_up_refused": True, "refusal_reason": reason, "case_title": title}
    if row is None:
        row = RegistryActivityFollowUp(activity_id=activity.id, case_id=call.case_id,
                                       committee_name=activity.committee_name)
        session.add(row)
    row.title = activity.title
    row.committee_name = activity.committee_name
    row.approved_seed_funding = activity.approved_seed_funding
    row.final_report_due = due
    session.flush()
    return {"follow_up_refused": False, "follow_up_id": row.id, "committee_name": activity.committee_name,
            "activity_title": activity.title, "approved_seed_funding": float(activity.approved_seed_funding),
            "follow_up_status": row.status, "case_title": title}


def _report(session: Session, call: ServiceCall, follow_up: RegistryActivityFollowUp, *, kind: str,
            period: str, summary_key: str) -> RegistryActivityReport:
    d = call.data
    report = session.scalar(select(RegistryActivityReport).where(
        RegistryActivityReport.follow_up_id == follow_up.id, RegistryActivityReport.period == period))
    if report is None:
        report = RegistryActivityReport(follow_up_id=follow_up.id, period=period, case_id=call.case_id)
        session.add(report)
    report.kind = kind
    report.summary = call_data.text(d, summary_key)
    report.issues = call_data.text(d, "issues")
    report.funds_spent = call_data.money(d, "funds_spent")
    report.submitted_at = report.submitted_at or call_data.now()
    follow_up.funds_spent = report.funds_spent
    follow_up.last_report_at = report.submitted_at
    session.flush()
    return report


def record_activity_progress(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Record the progress report of a period (`report_period`); the activity is back on track."""
    follow_up = _follow_up(session, call)
    period = call_data.required(call.data, "report_period")
    if period.lower() == FINAL_PERIOD:
        raise HandlerError(f"report_period: {period!r} is kept for the final report")
    _report(session, call, follow_up, kind="progress", period=period, summary_key="progress_summary")
    if follow_up.status == "behind":
        follow_up.status, follow_up.behind_since = "reporting", None
    return {"last_report_period": period, "follow_up_status": follow_up.status,
            "funds_spent_to_date": float(follow_up.funds_spent)}


def record_activity_final_report(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Record the final report: results and the funds spent against the funds approved."""
    follow_up = _follow_up(session, call)
    _report(session, call, follow_up, kind="final", period=FINAL_PERIOD, summary_key="final_summary")
    follow_up.status, follow_up.behind_since = "final_reported", None
    balance = follow_up.approved_seed_funding - follow_up.funds_spent
    return {"follow_up_status": follow_up.status, "funds_spent_total": float(follow_up.funds_spent),
            "funds_balance": float(balance), "overspent": balance < 0}


def remind_late_report(session: Session, call: ServiceCall) -> dict[str, Any]:
    """A report is late: the activity is behind, and the committees' focal points are reminded
    (in the app and by e-mail), once per timer firing (the idempotency key)."""
    follow_up = _follow_up(session, call)
    if follow_up.status in ("reporting", "behind"):
        follow_up.status = "behind"
        follow_up.behind_since = follow_up.behind_since or call_data.now()
    what = "final report" if call.element_id == "remind_final_report" else "progress report"
    subject = f"Reminder: the {what} of {follow_up.title} ({follow_up.committee_name}) is late"
    remind(session, call.case_id, key=call.idempotency_key, to="group:committee", subject=subject)
    behind = follow_up.behind_since
    return {"follow_up_status": follow_up.status,
            "behind_since": behind.isoformat() if isinstance(behind, datetime) else None}


def close_activity_follow_up(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The Secretariat accepted the final report: the follow-up is closed."""
    follow_up = _follow_up(session, call)
    follow_up.status = "closed"
    follow_up.closed_on = follow_up.closed_on or call_data.now().date()
    return {"follow_up_status": "closed"}


FOLLOW_UP_HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    open_activity_follow_up, record_activity_progress, record_activity_final_report, remind_late_report,
    close_activity_follow_up)}
"""Guarded for `activity_follow_up`."""

__all__ = ["FOLLOWED_STATUSES", "FOLLOW_UP_HANDLERS"]
