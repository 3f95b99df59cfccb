"""Task commands: the inbox, claim, give back, complete (as a user, or as the operator)."""

from __future__ import annotations

import click

from engine.cli.app import CliContext, acting, acting_actor, cli, emit, parse_json_option, pass_cli
from engine.read.inbox import MAX_PER_PAGE, inbox_page
from engine.runtime import tasks as task_uc


@cli.command()
@click.option("--tab", type=click.Choice(["assigned", "claimable", "all"]), default="all")
@acting
@pass_cli
def tasks(ctx: CliContext, tab: str, username: str | None, as_operator: bool) -> None:
    """Open tasks assigned to the user and offered to them (their groups, bodies, organisation)."""
    with ctx.session() as session:
        who = acting_actor(session, username, as_operator)
        tabs = ["assigned", "claimable"] if tab == "all" else [tab]
        rows = [{"id": r.task_id, "tab": name, "case_id": r.case_id, "process_id": r.process_id,
                 "element_id": r.element_id, "name": r.task_name, "for": r.subject or r.lane,
                 "assignee": r.assignee,
                 "case_title": r.case_title, "due_at": r.due_at.isoformat() if r.due_at else None}
                for name in tabs
                for r in inbox_page(session, who, tab=name, per_page=MAX_PER_PAGE).rows]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>6}  {r['tab']:9}  case {r['case_id']:<6} {r['process_id']}: {r['name']}"
        + (f"  for {r['for']}" if r["for"] else "")
        + (f"  (held by {r['assignee']})" if r["assignee"] else "") for r in rs) or "no open tasks")


@cli.command()
@click.argument("task_id", type=int)
@acting
@pass_cli
def claim(ctx: CliContext, task_id: int, username: str | None, as_operator: bool) -> None:
    """Claim a task."""
    with ctx.session() as session:
        view = task_uc.claim_task(session, task_id, user=acting_actor(session, username, as_operator))
    emit(ctx, view.to_dict(), lambda v: f"task {v['id']} claimed by {v['assignee']}")


@cli.command()
@click.argument("task_id", type=int)
@acting
@pass_cli
def unclaim(ctx: CliContext, task_id: int, username: str | None, as_operator: bool) -> None:
    """Give a claimed task back to those it is offered to."""
    with ctx.session() as session:
        view = task_uc.unclaim_task(session, task_id, user=acting_actor(session, username, as_operator))
    emit(ctx, view.to_dict(), lambda v: f"task {v['id']} given back")


@cli.command()
@click.argument("task_id", type=int)
@click.option("--data", default=None, help="submitted data as a JSON object (checked against the form)")
@acting
@pass_cli
def complete(ctx: CliContext, task_id: int, data: str | None, username: str | None,
             as_operator: bool) -> None:
    """Complete a task with data."""
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        view = task_uc.complete_task(session, task_id,
                                     user=acting_actor(session, username, as_operator), data=payload)
    emit(ctx, view.to_dict(), lambda v: f"task {task_id} completed; case {v['id']} is {v['status']}"
         + "".join(f"\n  next: task {t['id']} {t['name']}" for t in v["open_tasks"]))
