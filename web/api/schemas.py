"""Marshmallow schemas of the REST API: the single source of its OpenAPI description."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.store.models import CaseStatus, TaskState

MAX_PER_PAGE = 200
MAX_PAGE = 100_000


def variables_field() -> fields.Dict:
    return fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "case variables (a JSON object)"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "messages by field (422)"})
    problems = fields.List(fields.Dict(), metadata={"description": "deployment problems"})


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


# --- process definitions --------------------------------------------------------------------


class DefinitionSchema(Schema):
    key = fields.String(required=True, attribute="process_id")
    name = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    definition_id = fields.Integer(required=True)
    deployed_at = fields.DateTime(required=True)
    startable = fields.Boolean(required=True, metadata={"description": "you may start it"})


class DefinitionListSchema(Schema):
    items = fields.List(fields.Nested(DefinitionSchema), required=True)


class VersionSchema(Schema):
    version = fields.Integer(required=True)
    definition_id = fields.Integer(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    content_hash = fields.String(required=True)


class DefinitionDetailSchema(DefinitionSchema):
    start_groups = fields.List(fields.String(), required=True,
                               metadata={"description": "groups that may start it; [] = everyone"})
    start_form = fields.Dict(allow_none=True, metadata={"description": "form-js schema"})
    documentation = fields.String(allow_none=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class DefinitionXmlSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    bpmn_xml = fields.String(required=True)


class XmlQuery(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class DeployedSchema(Schema):
    key = fields.String(required=True, attribute="process_id")
    version = fields.Integer(required=True)
    definition_id = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    created = fields.Boolean(required=True)
    approved = fields.Boolean(required=True, metadata={
        "description": "false: it calls guarded handlers and waits for an admin's approval"})


class DeploymentSchema(Schema):
    processes = fields.List(fields.Nested(DeployedSchema), required=True)


# --- cases -----------------------------------------------------------------------------------


class StartArgs(Schema):
    business_key = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=255))
    variables = variables_field()


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String(), required=True)
    candidate_users = fields.List(fields.String(), required=True)
    assignee = fields.String(allow_none=True)
    form_id = fields.String(allow_none=True)
    state = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    subject = fields.String(allow_none=True, metadata={
        "description": "whom the task is for, in words (a committee, an organisation)"})
    personal = fields.Boolean(required=True, metadata={
        "description": "given to its assignee by the process; it cannot be given back"})
    candidates = fields.List(fields.String(), required=True, metadata={
        "description": "who it is offered to: user:NAME, group:NAME, body:CODE[#ROLE], org:CODE"})


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    process_version = fields.Integer(required=True)
    business_key = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True, metadata={
        "description": "the end the case reached (established, rejected ...), once it has one"})
    started_by = fields.String(allow_none=True)
    started_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)
    status_reason = fields.String(allow_none=True)
    failed_element_id = fields.String(allow_none=True)
    version = fields.Integer(required=True)


class CaseSchema(CaseSummarySchema):
    variables = fields.Dict(required=True, attribute="data")
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)


class CaseQuery(PageQuery):
    process = fields.String(load_default=None, validate=validate.Length(max=255))
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in CaseStatus]))
    started_by = fields.String(load_default=None, validate=validate.Length(max=120))
    outcome = fields.String(load_default=None, validate=validate.Length(max=60),
                            metadata={"description": "the end the case reached (established ...)"})
    search = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "in the business key or the title"})


class HistoryEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    at = fields.DateTime(required=True)
    user = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class HistorySchema(Schema):
    items = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class ReasonArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "why (recorded in the case's history)"})


# --- tasks ----------------------------------------------------------------------------------


class TaskQuery(PageQuery):
    assigned = fields.String(load_default=None, validate=validate.OneOf(["me"]))
    candidate = fields.String(load_default=None, validate=validate.OneOf(["me"]))
    process = fields.String(load_default=None, validate=validate.Length(max=255))
    state = fields.String(load_default=TaskState.OPEN.value,
                          validate=validate.OneOf([s.value for s in TaskState]))
    overdue = fields.Boolean(load_default=False)


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class TaskDetailSchema(TaskSchema):
    process_name = fields.String(allow_none=True)
    documentation = fields.String(allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "the task's form-js schema"})
    variables = fields.Dict(required=True)
    may_complete = fields.Boolean(required=True)
    may_claim = fields.Boolean(required=True)
    may_unclaim = fields.Boolean(required=True)


class AssignArgs(Schema):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=120))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CompleteArgs(Schema):
    variables = variables_field()


# --- messages and incidents -------------------------------------------------------------------


class MessageArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    correlation = fields.Dict(keys=fields.String(), load_default=dict)
    variables = variables_field()


class DeliverySchema(Schema):
    message_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    correlation = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    delivered_to = fields.List(fields.Integer(), required=True)
    started = fields.List(fields.Integer(), required=True)


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    case_id = fields.Integer(allow_none=True)
    job_id = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    handler = fields.String(allow_none=True)
    error = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class IncidentListSchema(Schema):
    items = fields.List(fields.Nested(IncidentSchema), required=True)


class IncidentQuery(Schema):
    case_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    include_resolved = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class RetryArgs(Schema):
    variables = variables_field()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "why (recorded in the case's history)"})


# --- comments, documents, notifications -------------------------------------------------------


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True)
    author = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "the Markdown source"})
    html = fields.String(required=True, metadata={"description": "sanitised HTML of the body"})
    mentions = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)


class CommentListSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema), required=True)


class CommentArgs(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000),
                         metadata={"description": "Markdown (a small subset); @username tells them"})
    task_id = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=2**31 - 1))


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    field = fields.String(allow_none=True, metadata={"description": "the form field it was sent in"})
    version = fields.Integer(allow_none=True, metadata={"description": "1, 2 ... per field of the case"})
    name = fields.String(required=True)
    content_type = fields.String(required=True, metadata={"description": "read from the bytes"})
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema), required=True)


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(required=True, metadata={"description": "a path in the web app"})
    case_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True)


class NotificationQuery(Schema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
