"""The access policy: who may see and do what. Every door (web pages, API, CLI, worker) asks here.

Groups with powers, named once:
- `secretariat` and `admins` are staff: they see every case and task, suspend, resume,
  cancel, retry, correct data and reassign; `admins` also manage users, bodies and
  approve guarded process versions;
- `analysts` (and admins) deploy process versions;
- `integrations` (with staff) send messages from outside;
- `operators` (and admins) read the service's metrics.

Tasks (see engine.access.principals for what a task can be given to):
- an open task with an assignee is visible and actionable only for its assignee (and
  visible to staff, who reassign it if need be);
- an open task without an assignee is visible to its candidates, who may claim or
  complete it; a task with no candidate and no assignee is offered to staff;
- a task the process gave to one person (`personal`, e.g. the initiator's draft) can't
  be given back to a group;
- a finished task is visible to whoever may see its case.

Cases: staff see all; anyone else sees the cases they take part in (they started one, a
task of it was given to them, they held or finished one of its tasks) or whose body or
organisation they belong to (a task of it was given to that body or organisation):
the `case_participant` rows written with the case. Lists and detail pages use the same
clauses, so a list never shows what a detail page refuses.

The command line's operator mode (`Actor.operator`) bypasses the policy, and history
records it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.errors import NotFound, PermissionDenied
from engine.i18n import N_, Message, msg
from engine.store.models import Case, CaseParticipant, HumanTask, TaskState
from engine.store.models.tasks import offer_needle
from engine.store.sql import contains_exactly

SECRETARIAT = "secretariat"
ADMINS = "admins"
ANALYSTS = "analysts"
INTEGRATIONS = "integrations"
OPERATORS = "operators"
"""Read the service's metrics (engine.observability.metrics_access)."""
STAFF = frozenset({SECRETARIAT, ADMINS})
DEPLOYERS = frozenset({ANALYSTS, ADMINS})
MESSAGE_SENDERS = frozenset({SECRETARIAT, INTEGRATIONS, ADMINS})


# -- roles ---------------------------------------------------------------------------------

def is_staff(user: Actor) -> bool:
    return user.operator or user.in_any(STAFF)


def is_admin(user: Actor) -> bool:
    return user.operator or ADMINS in user.groups


def may_deploy(user: Actor) -> bool:
    return user.operator or user.in_any(DEPLOYERS)


def may_send_messages(user: Actor) -> bool:
    return user.operator or user.in_any(MESSAGE_SENDERS)


def _require(allowed: bool, message: Message, **context: object) -> None:
    if not allowed:
        raise PermissionDenied(message, **context)


def require_staff(user: Actor, what: Message | None = None) -> None:
    """`what` is the action refused, a verb phrase marked N_ (`msg(N_("change a case"))`)."""
    _require(is_staff(user), msg(N_("only the Secretariat or an admin may %(what)s"),
                                 what=what or msg(N_("do this"))))


def require_admin(user: Actor, what: Message | None = None) -> None:
    _require(is_admin(user), msg(N_("only an admin may %(what)s"), what=what or msg(N_("do this"))))


def require_deploy(user: Actor) -> None:
    _require(may_deploy(user), msg(N_("only analysts and admins may deploy process versions")))


def require_send_messages(user: Actor) -> None:
    _require(may_send_messages(user),
             msg(N_("only the Secretariat, admins and integrations may send messages")))


# -- tasks ---------------------------------------------------------------------------------

def _matches(kind: str, name: str, user: Actor) -> bool:
    if kind == "user":
        return name == user.username
    if kind == "group":
        return name in user.groups
    if kind == "body":
        return name in user.bodies
    if kind == "org":
        return name in user.organisations
    return False


def is_candidate(task: HumanTask, user: Actor) -> bool:
    """The task is offered to the user (a task offered to nobody is offered to staff)."""
    if not task.candidates:
        return is_staff(user) and not task.personal
    return any(_matches(c.kind, c.name, user) for c in task.candidates)


def may_view_task(session: Session, task: HumanTask, user: Actor) -> bool:
    if is_staff(user):
        return True
    if task.state != TaskState.OPEN:
        return may_view_case(session, user, task.case_id)
    if task.assignee:
        return task.assignee == user.username
    return is_candidate(task, user)


def may_claim(task: HumanTask, user: Actor) -> bool:
    return task.state == TaskState.OPEN and task.assignee is None and \
        (is_candidate(task, user) or user.operator)


def may_unclaim(task: HumanTask, user: Actor) -> bool:
    return task.state == TaskState.OPEN and task.assignee == user.username and not task.personal


def may_complete(task: HumanTask, user: Actor) -> bool:
    if task.state != TaskState.OPEN:
        return False
    if task.assignee:
        return task.assignee == user.username or user.operator
    return is_candidate(task, user) or user.operator


def may_reassign(task: HumanTask, user: Actor) -> bool:
    return task.state == TaskState.OPEN and is_staff(user)


TASK_ACTIONS = {"see": N_("see"), "claim": N_("claim"), "give back": N_("give back"),
                "reassign": N_("reassign"), "complete": N_("complete")}
"""The actions on a task a refusal names (verbs marked for translation)."""


def why_not(task: HumanTask, user: Actor, action: str) -> PermissionDenied:
    """A refusal that says whom the task is for, without naming more than the user may know."""
    verb = msg(TASK_ACTIONS.get(action, action))
    message: Message
    if task.assignee and task.assignee != user.username:
        message = msg(N_("you may not %(action)s task %(task)s: it is assigned to someone else"),
                      action=verb, task=task.id)
    elif task.personal and action == "give back":
        message = msg(N_("task %(task)s was given to you by the process; it cannot be given back"),
                      task=task.id)
    else:
        message = msg(N_("you may not %(action)s task %(task)s: it is not offered to you"),
                      action=verb, task=task.id)
    return PermissionDenied(message, task_id=task.id)


def _principal_match(kind_col: Any, name_col: Any, user: Actor) -> ColumnElement[bool]:
    clauses = [and_(kind_col == "user", name_col == user.username)]
    for kind, names in (("group", user.groups), ("body", user.bodies), ("org", user.organisations)):
        if names:
            clauses.append(and_(kind_col == kind, name_col.in_(sorted(names))))
    return or_(*clauses)


def candidate_clause(user: Actor) -> ColumnElement[bool]:
    """SQL: the task (HumanTask) is offered to the user (what `is_candidate` says of a row).

    Tested on the task's own `offered_to` text, one exact substring test per principal the
    user answers to: a row filter that an ordered index scan applies as it goes, where an
    EXISTS over the candidate rows made PostgreSQL hash every candidate of the user's groups
    (100,000 rows) before the first inbox row."""
    offered = or_(*[contains_exactly(HumanTask.offered_to, offer_needle(p.kind, p.name))
                    for p in sorted(user.principals, key=lambda p: (p.kind, p.name))])
    if is_staff(user):
        return or_(offered, and_(HumanTask.offered_to == "", HumanTask.personal.is_(False)))
    return offered


def open_task_clause(user: Actor, *, assigned: bool = True, claimable: bool = True
                     ) -> ColumnElement[bool]:
    """SQL: open tasks the user may act on: assigned to them, and/or unassigned and offered."""
    mine = HumanTask.assignee == user.username
    offered = and_(HumanTask.assignee.is_(None), candidate_clause(user))
    parts = ([mine] if assigned else []) + ([offered] if claimable else [])
    return and_(HumanTask.state == TaskState.OPEN, or_(*parts) if parts else false())


def visible_task_clause(user: Actor) -> ColumnElement[bool]:
    """SQL: tasks the user may see (open ones they may act on, finished ones of their cases)."""
    if is_staff(user):
        return true()
    return or_(open_task_clause(user),
               and_(HumanTask.state != TaskState.OPEN, HumanTask.case_id.in_(_participating(user))))


# -- cases ---------------------------------------------------------------------------------

def _participating(user: Actor) -> ColumnElement[int]:
    return select(CaseParticipant.case_id).where(  # type: ignore[return-value]
        _principal_match(CaseParticipant.kind, CaseParticipant.name, user)).scalar_subquery()


def visible_case_clause(user: Actor) -> ColumnElement[bool]:
    """SQL: cases the user may see."""
    if is_staff(user):
        return true()
    return Case.id.in_(_participating(user))


def participating_count(session: Session, user: Actor) -> int:
    """How many cases the user takes part in (what `visible_case_clause` admits, for a user who
    is not staff), counted on the participant index alone: the participant's unfiltered case
    list, where a count through the cases hashed every case row (bench/bench_dashboard.py)."""
    return int(session.scalar(
        select(func.count(func.distinct(CaseParticipant.case_id)))
        .where(_principal_match(CaseParticipant.kind, CaseParticipant.name, user))) or 0)


def may_view_case(session: Session, user: Actor, case_id: int) -> bool:
    if is_staff(user):
        return True
    return session.scalar(select(Case.id).where(Case.id == case_id, visible_case_clause(user))) \
        is not None


def require_case_view(session: Session, user: Actor, case_id: int) -> Case:
    """The case; NotFound for an unknown case, PermissionDenied for one the user takes no part in."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(msg(N_("unknown case %(case)s"), case=case_id), case_id=case_id)
    _require(may_view_case(session, user, case_id),
             msg(N_("case %(case)s is not one you take part in"), case=case_id), case_id=case_id)
    return case


__all__ = [
    "ADMINS", "ANALYSTS", "DEPLOYERS", "INTEGRATIONS", "MESSAGE_SENDERS", "OPERATORS", "SECRETARIAT",
    "STAFF",
    "candidate_clause", "is_admin", "is_candidate", "is_staff", "may_claim", "may_complete",
    "may_deploy", "may_reassign", "may_send_messages", "may_unclaim", "may_view_case",
    "may_view_task", "open_task_clause", "participating_count", "require_admin", "require_case_view",
    "require_deploy",
    "require_send_messages", "require_staff", "visible_case_clause", "visible_task_clause",
    "why_not",
]
