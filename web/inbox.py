"""The participants' inbox: my tasks, my groups' tasks, the cases I started."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from engine.access.start_rights import latest_definitions
from engine.read.inbox import COUNT_CAP, SORTS, TABS, CaseRow, InboxRow, inbox_page
from web.db import get_db
from web.i18n import overdue_label
from web.process_texts import words
from web.viewmodels import PageLink, pagination, show_time

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: str
    url: str
    current: bool


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    name: str
    url: str
    process: str
    case_label: str
    role: str
    created: str
    due: str
    overdue: bool
    when_due: str
    """ "3 days overdue" / "due in 2 hours" (empty without a due date)."""
    claim_url: str | None
    unclaim_url: str | None


@dataclass(frozen=True)
class CaseLine:
    case_id: int
    process: str
    case_label: str
    status: str
    started: str
    next_due: str
    overdue: bool
    open_tasks: str


def tab_labels() -> dict[str, str]:
    return {"assigned": _("My tasks"), "claimable": _("My groups' tasks"),
            "started": _("Cases I started")}


def sort_labels() -> list[tuple[str, str]]:
    return [("created", _("Oldest first")), ("-created", _("Newest first")),
            ("due", _("Due date")), ("name", _("Task name")), ("-name", _("Task name, Z to A"))]


def case_label(business_key: str | None, title: str | None, case_id: int) -> str:
    parts = [p for p in (business_key, title if title != business_key else None) if p]
    return " · ".join(parts) if parts else _("Case %(id)d", id=case_id)


def _task_line(row: InboxRow, tab: str, back: str) -> TaskLine:
    texts = words()
    return TaskLine(
        task_id=row.task_id, name=texts.element(row.process_id, row.element_id, row.task_name),
        url=url_for("tasks.show", task_id=row.task_id),
        process=texts.process(row.process_id, row.process_name),
        case_label=case_label(row.business_key, row.case_title, row.case_id),
        role=row.subject or texts.lane(row.process_id, row.lane), created=show_time(row.created_at),
        due=show_time(row.due_at), overdue=row.overdue, when_due=overdue_label(row.due_at),
        claim_url=url_for("tasks.claim", task_id=row.task_id, next=back) if tab == "claimable" else None,
        unclaim_url=(url_for("tasks.unclaim", task_id=row.task_id, next=back)
                     if tab == "assigned" else None))


def _case_line(row: CaseRow) -> CaseLine:
    status = {"running": _("Running"), "completed": _("Completed"), "cancelled": _("Cancelled"),
              "suspended": _("Suspended"), "failed": _("Needs attention")}.get(row.status, row.status)
    return CaseLine(case_id=row.case_id, process=words().process(row.process_id, row.process_name),
                    case_label=case_label(row.business_key, row.title, row.case_id), status=status,
                    started=show_time(row.started_at), next_due=show_time(row.next_due_at),
                    overdue=row.overdue,
                    open_tasks=", ".join(row.open_tasks) or _("Nothing waiting for people"))


def count_label(count: int) -> str:
    """Counting stops at COUNT_CAP + 1: show "1,000+" rather than a false exact number."""
    return f"{format_decimal(COUNT_CAP)}+" if count > COUNT_CAP else format_decimal(count)


def _int_arg(name: str, default: int) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except (TypeError, ValueError):
        return default


@bp.route("/")
def index() -> str:
    asked = request.args.get("tab")
    tab: str | None = asked if asked in TABS else None  # None: where the user's work is
    process_id = request.args.get("process") or None
    overdue = request.args.get("overdue") == "1"
    search = (request.args.get("q") or "").strip() or None
    sort = request.args.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    page_number = _int_arg("page", 1)
    session = get_db()
    page = inbox_page(session, current_user.actor, tab=tab, process_id=process_id, overdue=overdue,
                      search=search, sort=sort, page=page_number,
                      per_page=current_app.config["INBOX_PER_PAGE"])
    tab = page.tab
    args: dict[str, Any] = {k: v for k, v in {"tab": tab, "process": process_id,
                                              "overdue": "1" if overdue else None, "q": search,
                                              "sort": sort if sort != "created" else None}.items()
                            if v}
    back = url_for("inbox.index", **args, page=page.page if page.page > 1 else None)
    labels = tab_labels()
    tabs = [Tab(key, labels[key], count_label(page.counts[key]),
                url_for("inbox.index", **{**args, "tab": key}), key == tab) for key in TABS]
    processes = [(d.process_id, words().process(d.process_id, d.name)) for d in latest_definitions(session)]
    links: list[PageLink] = pagination("inbox.index", args, page.page, page.pages)
    return render_template(
        "inbox/index.html", tab=tab, tabs=tabs, tasks=[_task_line(r, tab, back) for r in page.rows],
        cases=[_case_line(c) for c in page.cases], total=count_label(page.total), links=links,
        processes=processes, process_id=process_id or "", overdue=overdue, search=search or "",
        sort=sort, sorts=sort_labels(), filtered=bool(process_id or overdue or search))
