"""Commands for definitions, cases and tasks."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.engine import make_url

from engine.access.users import actor
from engine.cli.app import CliContext, cli, emit, parse_json_option, pass_cli
from engine.definitions import deployment as defs
from engine.runtime import cases as case_uc
from engine.runtime import tasks as task_uc
from engine.runtime.history import case_history
from engine.store.migrations import upgrade_database


@cli.command("init-db")
@pass_cli
def init_db(ctx: CliContext) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade_database(ctx.url)
    emit(ctx, {"database": _safe_url(ctx.url), "schema": "up to date"},
         lambda v: f"database {v['database']}: schema up to date")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--user", default=None, help="who deploys (recorded)")
@click.option("--comment", default=None)
@pass_cli
def deploy(ctx: CliContext, files: tuple[str, ...], user: str | None, comment: str | None) -> None:
    """Deploy BPMN files (and their .form files); a directory deploys its *.bpmn and forms/*.form."""
    with ctx.session() as session:
        result = defs.deploy(session, defs.files_from_paths(list(files)), user=user, comment=comment)
    rows = [r.__dict__ for r in result]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['process_id']} version {r['version']}" + ("" if r["created"] else " (unchanged)")
        for r in rs))


@cli.command()
@click.option("--all", "all_versions", is_flag=True, help="every version, not only the latest")
@pass_cli
def definitions(ctx: CliContext, all_versions: bool) -> None:
    """List deployed process definitions."""
    with ctx.session() as session:
        rows = [d.__dict__ for d in defs.list_definitions(session, latest_only=not all_versions)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['process_id']:32} v{r['version']:<4} {r['name'] or ''}" for r in rs) or "no definitions")


@cli.command()
@click.argument("process_id")
@click.option("--user", required=True)
@click.option("--business-key", default=None)
@click.option("--data", default=None, help="initial data as a JSON object")
@click.option("--version", type=int, default=None)
@pass_cli
def start(ctx: CliContext, process_id: str, user: str, business_key: str | None, data: str | None,
          version: int | None) -> None:
    """Start a case; prints the case id."""
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        view = case_uc.start_case(session, process_id, user=actor(session, user),
                                  business_key=business_key, data=payload, version=version)
    emit(ctx, view.to_dict(), lambda v: str(v["id"]))


@cli.command()
@click.option("--user", required=True)
@click.option("--tab", type=click.Choice(["assigned", "claimable", "all"]), default="all")
@pass_cli
def tasks(ctx: CliContext, user: str, tab: str) -> None:
    """Open tasks assigned to the user and claimable by their groups."""
    with ctx.session() as session:
        who = actor(session, user)
        tabs = ["assigned", "claimable"] if tab == "all" else [tab]
        rows = [t.to_dict() | {"tab": name} for name in tabs
                for t in task_uc.inbox(session, who, tab=name, limit=1000)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>6}  {r['tab']:9}  case {r['case_id']:<6} {r['process_id']}: {r['name']}"
        + (f"  (held by {r['assignee']})" if r["assignee"] else "") for r in rs) or "no open tasks")


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@pass_cli
def claim(ctx: CliContext, task_id: int, user: str) -> None:
    """Claim a task for the user."""
    with ctx.session() as session:
        view = task_uc.claim_task(session, task_id, user=actor(session, user))
    emit(ctx, view.to_dict(), lambda v: f"task {v['id']} claimed by {v['assignee']}")


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@pass_cli
def unclaim(ctx: CliContext, task_id: int, user: str) -> None:
    """Give a claimed task back to its groups."""
    with ctx.session() as session:
        view = task_uc.unclaim_task(session, task_id, user=actor(session, user))
    emit(ctx, view.to_dict(), lambda v: f"task {v['id']} unclaimed")


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@click.option("--data", default=None, help="submitted data as a JSON object")
@pass_cli
def complete(ctx: CliContext, task_id: int, user: str, data: str | None) -> None:
    """Complete a task with data."""
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        view = task_uc.complete_task(session, task_id, user=actor(session, user), data=payload)
    emit(ctx, view.to_dict(), lambda v: f"task {task_id} completed; case {v['id']} is {v['status']}"
         + "".join(f"\n  next: task {t['id']} {t['name']}" for t in v["open_tasks"]))


@cli.command()
@click.option("--process", "process_id", default=None)
@click.option("--status", default=None)
@click.option("--limit", type=int, default=100)
@pass_cli
def cases(ctx: CliContext, process_id: str | None, status: str | None, limit: int) -> None:
    """List cases, newest first."""
    with ctx.session() as session:
        views, total = case_uc.list_cases(session, process_id=process_id, status=status, limit=limit)
        rows = [v.to_dict() for v in views]
    emit(ctx, {"total": total, "cases": rows}, lambda r: "\n".join(
        f"{c['id']:>6}  {c['process_id']:28} {c['status']:10} {c['business_key'] or ''}"
        for c in r["cases"]) or "no cases")


@cli.command()
@click.argument("case_id", type=int)
@pass_cli
def show(ctx: CliContext, case_id: int) -> None:
    """A case: status, open tasks, data and history."""
    with ctx.session() as session:
        view = case_uc.get_case(session, case_id).to_dict()
        view["history"] = [{**h.__dict__, "at": h.at.isoformat()} for h in case_history(session, case_id)]
    emit(ctx, view, _show_text)


def _show_text(v: dict[str, Any]) -> str:
    lines = [f"case {v['id']} {v['process_id']} v{v['process_version']}: {v['status']}"
             + (f" ({v['status_reason']})" if v["status_reason"] else ""),
             f"  business key: {v['business_key'] or '-'}   started by {v['started_by']}"
             f" at {v['started_at']}"]
    lines += [f"  open task {t['id']}: {t['name']} [{t['lane'] or ''}]"
              + (f" held by {t['assignee']}" if t["assignee"] else "") for t in v["open_tasks"]]
    lines.append(f"  data: {v['data']}")
    lines += [f"  {h['at']} {h['kind']} {h['user'] or ''} {h['element_id'] or ''} {h['reason'] or ''}"
              for h in v["history"]]
    return "\n".join(lines)


@cli.command()
@click.argument("case_id", type=int)
@click.option("--user", required=True)
@click.option("--reason", required=True)
@pass_cli
def cancel(ctx: CliContext, case_id: int, user: str, reason: str) -> None:
    """Cancel a case with a reason."""
    with ctx.session() as session:
        view = case_uc.cancel_case(session, case_id, user=actor(session, user), reason=reason)
    emit(ctx, view.to_dict(), lambda v: f"case {v['id']} cancelled")


@cli.command()
@click.argument("case_id", type=int)
@click.option("--user", required=True)
@click.option("--reason", default=None)
@pass_cli
def suspend(ctx: CliContext, case_id: int, user: str, reason: str | None) -> None:
    """Suspend a case: nothing in it moves until it is resumed."""
    with ctx.session() as session:
        view = case_uc.suspend_case(session, case_id, user=actor(session, user), reason=reason)
    emit(ctx, view.to_dict(), lambda v: f"case {v['id']} suspended")


@cli.command()
@click.argument("case_id", type=int)
@click.option("--user", required=True)
@click.option("--reason", default=None)
@pass_cli
def resume(ctx: CliContext, case_id: int, user: str, reason: str | None) -> None:
    """Resume a suspended case."""
    with ctx.session() as session:
        view = case_uc.resume_case(session, case_id, user=actor(session, user), reason=reason)
    emit(ctx, view.to_dict(), lambda v: f"case {v['id']} resumed")
