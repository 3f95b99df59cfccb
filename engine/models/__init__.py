"""Typed, inert SQLAlchemy models, one module per concept."""

from engine.models.cases import Case, CaseStatus
from engine.models.definitions import Deployment, DeploymentFile, ProcessDefinition
from engine.models.history import HistoryEvent
from engine.models.idempotency import IdempotencyKey
from engine.models.jobs import (
                                Incident,
                                IncidentKind,
                                Job,
                                JobKind,
                                JobStatus,
                                MessageSubscription,
                                OutboxMessage,
                                OutboxStatus,
)
from engine.models.tasks import HumanTask, TaskCandidate, TaskState
from engine.models.tokens import ApiToken
from engine.models.users import Group, User, user_group

__all__ = [
                                "ApiToken",
                                "Case",
                                "CaseStatus",
                                "Deployment",
                                "DeploymentFile",
                                "Group",
                                "HistoryEvent",
                                "HumanTask",
                                "IdempotencyKey",
                                "Incident",
                                "IncidentKind",
                                "Job",
                                "JobKind",
                                "JobStatus",
                                "MessageSubscription",
                                "OutboxMessage",
                                "OutboxStatus",
                                "ProcessDefinition",
                                "TaskCandidate",
                                "TaskState",
                                "User",
                                "user_group",
]
