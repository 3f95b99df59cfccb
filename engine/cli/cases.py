"""Case commands: start, list, show, suspend, resume, cancel (each as a user, or as the operator)."""

from __future__ import annotations

from typing import Any

import click

from engine.cli.app import CliContext, acting, acting_actor, cli, emit, parse_json_option, pass_cli
from engine.read.dashboard import CaseFilters, case_page
from engine.runtime import case_status
from engine.runtime import cases as case_uc
from engine.runtime.history import case_history


@cli.command()
@click.argument("process_id")
@click.option("--business-key", default=None)
@click.option("--data", default=None, help="start data as a JSON object (checked against the start form)")
@click.option("--version", type=int, default=None)
@acting
@pass_cli
def start(ctx: CliContext, process_id: str, business_key: str | None, data: str | None,
          version: int | None, username: str | None, as_operator: bool) -> None:
    """Start a case; prints the case id."""
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        view = case_uc.start_case(session, process_id,
                                  user=acting_actor(session, username, as_operator),
                                  business_key=business_key, data=payload, version=version)
    emit(ctx, view.to_dict(), lambda v: str(v["id"]))


@cli.command()
@click.option("--process", "process_id", default=None)
@click.option("--status", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=100)
@acting
@pass_cli
def cases(ctx: CliContext, process_id: str | None, status: str | None, limit: int,
          username: str | None, as_operator: bool) -> None:
    """The cases the user may see, newest first."""
    with ctx.session() as session:
        page = case_page(session, acting_actor(session, username, as_operator),
                         CaseFilters(process_id=process_id, status=status), per_page=limit)
        rows = [{"id": r.case_id, "process_id": r.process_id, "status": r.status,
                 "business_key": r.business_key, "title": r.title, "started_by": r.started_by,
                 "waiting_on": r.waiting_on} for r in page.rows]
    emit(ctx, {"total": page.total, "cases": rows}, lambda r: "\n".join(
        f"{c['id']:>6}  {c['process_id']:28} {c['status']:10} {c['business_key'] or ''} "
        f"{c['title'] or ''}" for c in r["cases"]) or "no cases")


@cli.command()
@click.argument("case_id", type=int)
@acting
@pass_cli
def show(ctx: CliContext, case_id: int, username: str | None, as_operator: bool) -> None:
    """A case: status, open tasks, data and history."""
    with ctx.session() as session:
        view = case_uc.get_case(session, case_id,
                                user=acting_actor(session, username, as_operator)).to_dict()
        view["history"] = [{**h.__dict__, "at": h.at.isoformat()} for h in case_history(session, case_id)]
    emit(ctx, view, _show_text)


def _show_text(v: dict[str, Any]) -> str:
    lines = [f"case {v['id']} {v['process_id']} v{v['process_version']}: {v['status']}"
             + (f" ({v['status_reason']})" if v["status_reason"] else ""),
             f"  business key: {v['business_key'] or '-'}   started by {v['started_by']}"
             f" at {v['started_at']}"]
    lines += [f"  open task {t['id']}: {t['name']} [{t['subject'] or t['lane'] or ''}]"
              + (f" held by {t['assignee']}" if t["assignee"] else "") for t in v["open_tasks"]]
    lines.append(f"  data: {v['data']}")
    lines += [f"  {h['at']} {h['kind']} {h['user'] or ''}{' [operator]' if h['as_operator'] else ''} "
              f"{h['element_id'] or ''} {h['reason'] or ''}" for h in v["history"]]
    return "\n".join(lines)


def _status_command(name: str, change: Any, done: str, help_text: str) -> None:
    @cli.command(name, help=help_text)
    @click.argument("case_id", type=int)
    @click.option("--reason", required=True)
    @acting
    @pass_cli
    def command(ctx: CliContext, case_id: int, reason: str, username: str | None,
                as_operator: bool) -> None:
        with ctx.session() as session:
            view = change(session, case_id, user=acting_actor(session, username, as_operator),
                          reason=reason)
        emit(ctx, view.to_dict(), lambda v: f"case {v['id']} {done}")


_status_command("cancel", case_status.cancel_case, "cancelled", "Cancel a case, with a reason.")
_status_command("suspend", case_status.suspend_case, "suspended",
                "Suspend a case, with a reason: nothing in it moves until it is resumed.")
_status_command("resume", case_status.resume_case, "resumed", "Resume a suspended case, with a reason.")
