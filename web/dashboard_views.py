"""View models of the case dashboard: filters from and to the URL, lines the templates print."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.collab.comments import CommentView
from engine.documents.views import DocumentView
from engine.read.case_page import CaseDetail
from engine.read.dashboard import SORTS, CaseFilters, CaseListRow
from engine.read.process_stats import Overview
from engine.read.waits import Wait
from web.dashboard_history import HistoryLine, timeline
from web.process_texts import code_labels, shown_value, words
from web.viewmodels import show_time

FILTER_KEYS = ("process", "version", "status", "q", "started_by", "concerned", "lane", "overdue",
               "incident", "started_from", "started_to", "ended_from", "ended_to", "sort")


def status_labels() -> dict[str, str]:
    return {"running": _("Running"), "suspended": _("Suspended"), "completed": _("Completed"),
            "cancelled": _("Cancelled"), "failed": _("Failed")}


def outcome_labels() -> dict[str, str]:
    """Words for the outcomes the Alliance's processes set (engine.runtime.outcome); any
    other outcome a process sets is shown as written."""
    return {"established": _("established"), "amended": _("amended"), "rejected": _("rejected"),
            "refused": _("refused"), "declined": _("declined"), "withdrawn": _("withdrawn"),
            "remains_observer": _("remains observer"), "observer": _("observer"),
            "member": _("member"), "completed": _("completed"), "discontinued": _("discontinued"),
            "incubated": _("incubated"), "approved": _("approved"), "cancelled": _("cancelled"),
            "lapsed": _("lapsed"), "admitted": _("admitted"), "notice_revoked": _("notice revoked"),
            "already_member": _("already a member"), "held": _("held"), "joined": _("joined"),
            "no_agreement": _("no agreement"), "closed": _("closed"),
            "closed_with_initiative": _("closed with its initiative"),
            "nothing_to_review": _("nothing to review"), "reviewed": _("reviewed")}


def outcome_label(outcome: str | None) -> str:
    if not outcome:
        return ""
    return outcome_labels().get(outcome, outcome.replace("_", " "))


def sort_labels() -> list[tuple[str, str]]:
    return [("-started", _("Newest first")), ("started", _("Oldest first")),
            ("-updated", _("Recently changed")), ("updated", _("Longest unchanged")),
            ("title", _("Title, A to Z")), ("-title", _("Title, Z to A")),
            ("key", _("Business key")), ("-key", _("Business key, Z to A"))]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def filters_from(args: MultiDict[str, str]) -> tuple[CaseFilters, str, int]:
    """The filters, sort and page of a GET query string (unknown values ignored)."""
    filters = CaseFilters(
        process_id=args.get("process"), version=_int(args.get("version")),
        status=args.get("status"), outcome=args.get("outcome"), search=args.get("q"),
        started_by=args.get("started_by"),
        concerned=args.get("concerned"), lane=args.get("lane"), overdue=args.get("overdue") == "1",
        incident=args.get("incident") == "1", started_from=_date(args.get("started_from")),
        started_to=_date(args.get("started_to")), ended_from=_date(args.get("ended_from")),
        ended_to=_date(args.get("ended_to"))).clean()
    sort = args.get("sort", "-started")
    return filters, sort if sort in SORTS else "-started", max(1, _int(args.get("page")) or 1)


def query_args(filters: CaseFilters, sort: str = "-started") -> dict[str, Any]:
    """The non-empty URL arguments of these filters (what a bookmark keeps)."""
    values: dict[str, Any] = {
        "process": filters.process_id, "version": filters.version, "status": filters.status,
        "outcome": filters.outcome,
        "q": filters.search, "started_by": filters.started_by, "concerned": filters.concerned,
        "lane": filters.lane, "overdue": "1" if filters.overdue else None,
        "incident": "1" if filters.incident else None,
        "started_from": filters.started_from.isoformat() if filters.started_from else None,
        "started_to": filters.started_to.isoformat() if filters.started_to else None,
        "ended_from": filters.ended_from.isoformat() if filters.ended_from else None,
        "ended_to": filters.ended_to.isoformat() if filters.ended_to else None,
        "sort": sort if sort != "-started" else None}
    return {k: v for k, v in values.items() if v is not None and v != ""}


def list_url(**args: Any) -> str:
    return url_for("dashboard.cases", **{k: v for k, v in args.items() if v not in (None, "")})


def case_label(business_key: str | None, title: str | None, case_id: int) -> str:
    parts = [p for p in (business_key, title if title != business_key else None) if p]
    return " · ".join(parts) if parts else _("Case %(id)d", id=case_id)


@dataclass(frozen=True)
class CaseLine:
    case_id: int
    url: str
    label: str
    process: str
    status: str
    status_key: str
    started_by: str
    started: str
    ended: str
    waiting: str
    overdue: bool
    incident: bool
    outcome: str = ""
    outcome_key: str = ""


def case_line(row: CaseListRow) -> CaseLine:
    waiting = ", ".join(row.open_tasks)
    if row.waiting_on:
        waiting = f"{waiting} ({', '.join(row.waiting_on)})"
    events = [_("a message “%(name)s”", name=name) for name in row.messages]
    if row.timer_at is not None:
        events.append(_("a timer, until %(when)s", when=show_time(row.timer_at)))
    if events:
        waiting = "; ".join(([waiting] if waiting else []) + events)
    return CaseLine(
        case_id=row.case_id, url=url_for("dashboard.case", case_id=row.case_id),
        label=case_label(row.business_key, row.title, row.case_id),
        process=f"{words().process(row.process_id, row.process_name)} v{row.version}",
        status=status_labels().get(row.status, row.status), status_key=row.status,
        started_by=row.started_by or "", started=show_time(row.started_at),
        ended=show_time(row.ended_at), waiting=waiting, overdue=row.overdue,
        incident=row.incident, outcome=outcome_label(row.outcome), outcome_key=row.outcome or "")


def csv_header() -> list[str]:
    """The export's column headers, in the reader's language (the values keep their codes,
    ids and ISO 8601 UTC times, so a spreadsheet sorts and filters them)."""
    return [_("Case id"), _("Process id"), _("Version"), _("Business key"), _("Title"), _("Status"),
            _("Outcome"), _("Started by"), _("Started at (UTC)"), _("Updated at (UTC)"), _("Ended at (UTC)"),
            _("Open tasks"), _("Waiting on"), _("Overdue"), _("Incident")]


CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection":
    a cell starting with = + - @ tab or CR gets a leading apostrophe)."""
    return "'" + value if value.startswith(CSV_FORMULA_STARTS) else value


def csv_record(row: CaseListRow) -> list[str]:
    def iso(moment: Any) -> str:
        return moment.isoformat() if moment else ""
    cells = [str(row.case_id), row.process_id, str(row.version), row.business_key or "",
             row.title or "", row.status, row.outcome or "", row.started_by or "", iso(row.started_at),
             iso(row.updated_at), iso(row.ended_at), "; ".join(row.open_tasks),
             "; ".join(row.waiting_on), _("yes") if row.overdue else _("no"),
             _("yes") if row.incident else _("no")]
    return [csv_cell(cell) for cell in cells]


@dataclass(frozen=True)
class Cell:
    label: str
    value: int
    url: str


@dataclass(frozen=True)
class OverviewLine:
    name: str
    total: Cell
    statuses: list[Cell]
    overdue: Cell
    incidents: Cell
    waiting: list[Cell]


def overview_lines(overview: Overview) -> list[OverviewLine]:
    labels = status_labels()
    out = []
    for p in overview.processes:
        out.append(OverviewLine(
            name=p.name, total=Cell(_("All"), p.total, list_url(process=p.process_id)),
            statuses=[Cell(label, p.by_status.get(key, 0), list_url(process=p.process_id, status=key))
                      for key, label in labels.items()],
            overdue=Cell(_("Overdue"), p.overdue, list_url(process=p.process_id, overdue="1")),
            incidents=Cell(_("Incidents"), p.incidents, list_url(process=p.process_id, incident="1")),
            waiting=[Cell(lane or _("No lane"), count, list_url(process=p.process_id, lane=lane,
                                                                 status="running"))
                     for lane, count in p.waiting]))
    return out


@dataclass(frozen=True)
class DocumentLine:
    field: str
    version: str
    name: str
    size: str
    content_type: str
    uploaded: str
    url: str


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(n).1f MB", n=size / 1048576)
    if size >= 1024:
        return _("%(n)d KB", n=round(size / 1024))
    return _("%(n)d bytes", n=size)


def document_lines(documents: list[DocumentView]) -> list[DocumentLine]:
    return [DocumentLine(humanize(d.field or ""), f"v{d.version}", d.name, size_label(d.size),
                         d.content_type,
                         _("%(who)s, %(when)s", who=d.uploaded_by, when=show_time(d.uploaded_at)),
                         url_for("collab.download", document_id=d.id)) for d in documents]


def humanize(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


@dataclass(frozen=True)
class WaitLine:
    element_id: str
    text: str
    until: str


def wait_lines(waits: list[Wait]) -> list[WaitLine]:
    """What the case waits for, in words."""
    out = []
    for w in waits:
        name = w.element_name or w.element_id or ""
        until = show_time(w.until)
        if w.kind == "timer":
            text = _("A timer, “%(name)s”: it fires on %(until)s.", name=name, until=until)
        elif w.kind == "message":
            text = _("A message, “%(message)s”, at “%(name)s”.", message=w.detail or "", name=name)
        elif w.parked:
            text = _("“%(name)s” (%(handler)s) waits until the case runs again.", name=name,
                     handler=w.detail or "")
        elif w.attempts:
            text = _("“%(name)s” (%(handler)s) failed %(n)d time(s); next attempt %(until)s: %(error)s",
                     name=name, handler=w.detail or "", n=w.attempts, until=until, error=w.last_error or "")
        else:
            text = _("“%(name)s” is being done automatically (%(handler)s).", name=name,
                     handler=w.detail or "")
        out.append(WaitLine(w.element_id or "", text, until))
    return out


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    name: str
    element_id: str
    lane: str
    holder: str
    since: str
    due: str
    overdue: bool


@dataclass(frozen=True)
class CaseModel:
    case_id: int
    label: str
    process: str
    status: str
    status_key: str
    status_reason: str
    started_by: str
    started: str
    ended: str
    tasks: list[TaskLine]
    history: list[HistoryLine]
    data: list[tuple[str, str, str, str, str]]
    """(field, its label in the reader's language, JSON type, value as JSON, the value as people
    read it: codes by their labels)."""
    linked: list[tuple[str, str, str]]
    """(relation, label, url)."""
    markers: str
    """JSON for the diagram script: completed, active, failed and waiting element ids."""
    may_admin: bool
    status_actions: list[tuple[str, str]]
    """(endpoint name, button label) of the status changes allowed now."""
    can_correct: bool
    waits: list[WaitLine]
    documents: list[DocumentLine]
    outcome: str = ""


def case_model(detail: CaseDetail, comments: list[CommentView] | None = None,
               documents: list[DocumentView] | None = None) -> CaseModel:
    case = detail.case
    texts = words()
    pid = case.process_id
    tasks = [TaskLine(a.task.id, texts.element(pid, a.task.element_id, a.task.name), a.task.element_id,
                      a.task.subject or texts.lane(pid, a.task.lane) or ", ".join(a.task.candidates),
                      detail.people.get(a.task.assignee, a.task.assignee) if a.task.assignee
                      else _("not taken yet"),
                      show_time(a.claimed_at if a.task.assignee and a.claimed_at
                                else a.task.created_at),
                      show_time(a.task.due_at), a.overdue) for a in detail.active_tasks]
    labels = code_labels({form_id: texts.form(pid, form, form_id)
                          for form_id, form in detail.forms.items()})
    data = [(key, labels.get(key, ("", {}))[0], detail.field_types.get(key, ""),
             json.dumps(value, ensure_ascii=False, default=str)[:2000],
             shown_value(value, labels.get(key, ("", {}))[1]))
            for key, value in sorted(case.data.items())]
    relation = {"parent": _("Started by"), "child": _("Started")}
    linked = [(relation.get(link.relation, link.relation),
               f"{case_label(link.business_key, link.title, link.case_id)} ({link.process_id}, "
               f"{status_labels().get(link.status, link.status)})",
               url_for("dashboard.case", case_id=link.case_id)) for link in detail.linked]
    waits = wait_lines(detail.waits)
    markers = json.dumps({"completed": detail.completed_elements,
                          "active": [a.task.element_id for a in detail.active_tasks],
                          "waiting": detail.waiting_elements, "failed": detail.failed_elements,
                          "until": [{"id": w.element_id, "label": w.until} for w in waits
                                    if w.element_id and w.until]})
    return CaseModel(
        case_id=case.id, label=case_label(case.business_key, case.title, case.id),
        process=f"{texts.process(pid, detail.process_name)} v{case.process_version}",
        status=status_labels().get(case.status, case.status), status_key=case.status,
        status_reason=case.status_reason or "",
        started_by=detail.people.get(case.started_by, case.started_by) if case.started_by
        else _("the system"),
        started=show_time(case.started_at), ended=show_time(case.ended_at), tasks=tasks,
        history=timeline(detail.history, comments or [], pid, detail.people, labels), data=data,
        linked=linked,
        markers=markers, may_admin=detail.may_admin,
        status_actions=status_actions(case.status) if detail.may_admin else [],
        can_correct=detail.may_admin and case.status not in ("completed", "cancelled"),
        waits=waits, documents=document_lines(documents or []), outcome=outcome_label(case.outcome))


def status_actions(status: str) -> list[tuple[str, str]]:
    actions = {"running": [("suspend", _("Suspend")), ("cancel", _("Cancel the case"))],
               "suspended": [("resume", _("Resume")), ("cancel", _("Cancel the case"))],
               "failed": [("cancel", _("Cancel the case"))]}
    return actions.get(status, [])
