"""The Secretariat's changes to a case's status: suspend, resume, cancel.

Staff only (engine.access.policy), each with a reason, recorded in history. A suspended
case's tasks can't be worked and its jobs are parked until it resumes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.errors import CaseNotActive, InvalidInput
from engine.i18n import N_, Message, msg, state_word
from engine.notify import triggers as tell
from engine.runtime.cases import view_case
from engine.runtime.history import EventKind, record
from engine.runtime.outcome import CANCELLED
from engine.runtime.persistence import open_case, save_case
from engine.runtime.views import CaseView
from engine.store.models import CaseStatus

MAX_REASON = 2000


CASE_ACTIONS = {"cancel": (N_("cancel a case"), N_("cancelled")),
                "suspend": (N_("suspend a case"), N_("suspended")),
                "resume": (N_("resume a case"), N_("resumed"))}
"""What a status change is called in a refusal, and its past participle."""


def require_reason(reason: str | None, what: Message | None = None) -> str:
    """The reason, trimmed; `what` names the action (a verb phrase marked N_)."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(msg(N_("a reason is required to %(what)s"), what=what or msg(N_("do this"))),
                           field="reason")
    return text[:MAX_REASON]


def _change_status(session: Session, case_id: int, user: Actor, *, allowed: set[str],
                   to: CaseStatus, kind: EventKind, reason: str, verb: str) -> CaseView:
    action, done = CASE_ACTIONS[verb]
    policy.require_staff(user, msg(action))
    text = require_reason(reason, msg(action))
    opened = open_case(session, case_id)
    case = opened.case
    if case.status not in allowed:
        raise CaseNotActive(msg(N_("case %(case)s is %(status)s; it cannot be %(done)s"), case=case_id,
                                status=state_word(str(case.status)), done=msg(done)),
                            case_id=case_id, status=case.status)
    case.status = to
    if to == CaseStatus.CANCELLED:
        opened.workflow.cancel()
        case.ended_at = clock.now()
        case.outcome = case.outcome or CANCELLED
        case.status_reason = text
    elif to == CaseStatus.SUSPENDED:
        case.status_reason = text
    else:
        case.status_reason = None
    opened.actor = user.username
    save_case(session, opened)
    record(session, case_id, kind, user=user.username, reason=text, as_operator=user.operator)
    if to == CaseStatus.CANCELLED:
        tell.case_finished(session, case, actor=user.username)
    return view_case(session, case_id, opened)


def cancel_case(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    return _change_status(session, case_id, user, allowed={"running", "suspended", "failed"},
                          to=CaseStatus.CANCELLED, kind=EventKind.CASE_CANCELLED, reason=reason,
                          verb="cancel")


def suspend_case(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    return _change_status(session, case_id, user, allowed={"running"}, to=CaseStatus.SUSPENDED,
                          kind=EventKind.CASE_SUSPENDED, reason=reason, verb="suspend")


def resume_case(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    return _change_status(session, case_id, user, allowed={"suspended"}, to=CaseStatus.RUNNING,
                          kind=EventKind.CASE_RESUMED, reason=reason, verb="resume")


__all__ = ["MAX_REASON", "cancel_case", "require_reason", "resume_case", "suspend_case"]
