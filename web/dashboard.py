"""The case dashboard (blueprint `dashboard`, /cases): overview, case list, CSV, case page,
process view. The Secretariat and admins see every case; participants see the cases they take
part in, read-only. The actions (POST forms) live in `web.dashboard_actions`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from engine.access.policy import is_staff
from engine.definitions.deployment import find_definition
from engine.read.case_page import HISTORY_PAGE, case_detail
from engine.read.dashboard import case_csv_rows, case_page, outcomes
from engine.read.process_stats import (
    overview_counts,
    process_names,
    process_versions,
    waiting_counts_by_element,
)
from web.dashboard_views import (
    case_line,
    case_model,
    csv_header,
    csv_record,
    filters_from,
    outcome_label,
    overview_lines,
    query_args,
    sort_labels,
    status_labels,
)
from web.db import get_db, session_factory
from web.process_texts import words
from web.viewmodels import pagination, show_time

bp = Blueprint("dashboard", __name__, url_prefix="/cases")
PER_PAGE = 25


def _staff() -> bool:
    return is_staff(current_user.actor)


@bp.route("/")
def overview() -> Any:
    if not _staff():
        return redirect(url_for("dashboard.cases"))
    data = overview_counts(get_db())
    return render_template("dashboard/overview.html", lines=overview_lines(data),
                           statuses=list(status_labels().values()),
                           oldest=[(t, show_time(t.created_at), show_time(t.due_at))
                                   for t in data.oldest_tasks],
                           incidents=[(i, show_time(i.created_at)) for i in data.incidents],
                           open_incidents=data.open_incidents)


@bp.route("/list")
def cases() -> str:
    session = get_db()
    filters, sort, page_number = filters_from(request.args)
    page = case_page(session, current_user.actor, filters, sort=sort, page=page_number,
                     per_page=PER_PAGE)
    args = query_args(filters, sort)
    return render_template(
        "dashboard/list.html", lines=[case_line(r) for r in page.rows], total=page.total,
        links=pagination("dashboard.cases", args, page.page, page.pages), f=filters, sort=sort,
        sorts=sort_labels(), statuses=status_labels(),
        outcomes=[(o, outcome_label(o)) for o in outcomes(session, filters.process_id)],
        processes=sorted(
            ((pid, words().process(pid, name)) for pid, name in process_names(session).items()),
            key=lambda i: i[1]),
        csv_url=url_for("dashboard.export", **args), filtered=bool(args), staff=_staff())


@bp.route("/export.csv")
def export() -> Response:
    """Every case of the filtered list (all pages), as CSV; times in UTC (ISO 8601)."""
    filters, sort, _page = filters_from(request.args)
    user = current_user.actor
    factory = session_factory()

    def generate() -> Iterator[str]:
        yield "\ufeff"  # UTF-8 byte-order mark: Excel then reads Chinese and Portuguese correctly
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_header())
        with factory() as session:
            for row in case_csv_rows(session, user, filters, sort=sort):
                writer.writerow(csv_record(row))
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=cases.csv"})


@bp.route("/<int:case_id>")
def case(case_id: int) -> str:
    session = get_db()
    user = current_user.actor
    whole = request.args.get("history") == "all"  # else the timeline's latest events only
    detail = case_detail(session, case_id, user, history_limit=None if whole else HISTORY_PAGE)
    model = case_model(detail, detail.comments, detail.documents)
    older = detail.history_total - len(detail.history)
    return render_template("dashboard/case.html", c=model, bpmn_xml=detail.bpmn_xml,
                           history_older=older, history_total=detail.history_total,
                           incidents=[(i, show_time(i.created_at)) for i in detail.incidents],
                           fields=list(detail.field_types.items()))


@bp.route("/processes")
def processes() -> str:
    if not _staff():
        abort(403)
    versions = [(v, show_time(v.created_at),
                 url_for("dashboard.cases", process=v.process_id, version=v.version, status="running"),
                 url_for("dashboard.cases", process=v.process_id, version=v.version),
                 url_for("dashboard.process", process_id=v.process_id, version=v.version))
                for v in process_versions(get_db())]
    return render_template("dashboard/processes.html", versions=versions)


@bp.route("/processes/<process_id>/<int:version>")
def process(process_id: str, version: int) -> str:
    if not _staff():
        abort(403)
    session = get_db()
    definition = find_definition(session, process_id, version)
    counts = waiting_counts_by_element(session, process_id, version)
    overlay = {element: sum(kinds.values()) for element, kinds in counts.items() if element}
    unplaced = sum(sum(kinds.values()) for element, kinds in counts.items() if not element)
    return render_template(
        "dashboard/process.html", name=definition.name or process_id, process_id=process_id,
        version=version, bpmn_xml=definition.bpmn_file.content, counts=json.dumps(overlay),
        rows=sorted(counts.items()), unplaced=unplaced,
        running_url=url_for("dashboard.cases", process=process_id, version=version,
                            status="running"),
        title=_("Where the cases of %(name)s wait", name=definition.name or process_id))


def back_to(case_id: int) -> BaseResponse:
    return redirect(url_for("dashboard.case", case_id=case_id))


from web import dashboard_actions  # noqa: E402,F401  (registers the POST routes on bp)
