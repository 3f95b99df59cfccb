"""The kinds of notification, what each tells by default, and how people may receive them."""

from __future__ import annotations

from enum import StrEnum

from engine.access.policy import STAFF


class Kind(StrEnum):
    TASK_OFFERED = "task_offered"        # a task is offered to me, my group, body or organisation
    TASK_ASSIGNED = "task_assigned"      # a task was given to me
    CASE_NEEDS_YOU = "case_needs_you"    # a case I started has a task for me
    TASK_DUE_SOON = "task_due_soon"      # a task of mine is due within a day
    TASK_OVERDUE = "task_overdue"        # a task of mine is past its due time
    CASE_FINISHED = "case_finished"      # a case I started was completed or cancelled
    MENTION = "mention"                  # someone wrote @me in a comment
    INCIDENT = "incident"                # a case needs the Secretariat (staff only)
    REMINDER = "reminder"                # a process's own reminder (a BPMN timer's notify task)


class EmailChoice(StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    NEVER = "never"


EMAIL_CHOICES = tuple(c.value for c in EmailChoice)
TASK_KINDS = frozenset({Kind.TASK_OFFERED, Kind.TASK_ASSIGNED, Kind.CASE_NEEDS_YOU,
                        Kind.TASK_DUE_SOON, Kind.TASK_OVERDUE})
DEFAULT_EMAIL: dict[str, EmailChoice] = {
    Kind.TASK_OFFERED: EmailChoice.IMMEDIATELY,
    Kind.TASK_ASSIGNED: EmailChoice.IMMEDIATELY,
    Kind.CASE_NEEDS_YOU: EmailChoice.IMMEDIATELY,
    Kind.TASK_DUE_SOON: EmailChoice.IMMEDIATELY,
    Kind.TASK_OVERDUE: EmailChoice.IMMEDIATELY,
    Kind.CASE_FINISHED: EmailChoice.DAILY,
    Kind.MENTION: EmailChoice.IMMEDIATELY,
    Kind.INCIDENT: EmailChoice.IMMEDIATELY,
    Kind.REMINDER: EmailChoice.IMMEDIATELY,
}
STAFF_RECIPIENTS = tuple(f"group:{name}" for name in sorted(STAFF))
"""Who hears about incidents and about tasks offered to nobody (engine.access.policy.STAFF)."""


__all__ = ["DEFAULT_EMAIL", "EMAIL_CHOICES", "STAFF_RECIPIENTS", "TASK_KINDS", "EmailChoice", "Kind"]
