"""Typed, inert SQLAlchemy models, one module per concept."""

from engine.store.models.access import Body, CaseParticipant, Membership, Organisation
from engine.store.models.cases import Case, CaseStatus
from engine.store.models.collab import Comment, Document, DocumentContent, TaskDraft
from engine.store.models.definitions import Deployment, DeploymentFile, ProcessDefinition
from engine.store.models.history import CaseArchive, HistoryEvent
from engine.store.models.idempotency import IdempotencyKey
from engine.store.models.jobs import (
    Incident,
    IncidentKind,
    Job,
    JobKind,
    JobStatus,
    MessageSubscription,
    OutboxMessage,
    OutboxStatus,
)
from engine.store.models.notify import Notification, NotificationEvent, NotificationPreference, OutgoingMail
from engine.store.models.tasks import Candidate, HumanTask, TaskState
from engine.store.models.tokens import ApiToken
from engine.store.models.users import Group, User, user_group

__all__ = [
    "ApiToken",
    "Body",
    "Candidate",
    "Case",
    "CaseArchive",
    "CaseParticipant",
    "CaseStatus",
    "Comment",
    "Deployment",
    "DeploymentFile",
    "Document",
    "DocumentContent",
    "Group",
    "HistoryEvent",
    "HumanTask",
    "IdempotencyKey",
    "Incident",
    "IncidentKind",
    "Job",
    "JobKind",
    "JobStatus",
    "Membership",
    "MessageSubscription",
    "Notification",
    "NotificationEvent",
    "NotificationPreference",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "OutgoingMail",
    "ProcessDefinition",
    "TaskDraft",
    "TaskState",
    "User",
    "user_group",
]
