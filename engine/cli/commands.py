"""Commands for the schema and process definitions (cases: engine.cli.cases, tasks: engine.cli.tasks)."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url

from engine.cli.app import CliContext, acting, acting_actor, cli, emit, pass_cli
from engine.definitions import deployment as defs
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
@click.option("--comment", default=None)
@acting
@pass_cli
def deploy(ctx: CliContext, files: tuple[str, ...], comment: str | None, username: str | None,
           as_operator: bool) -> None:
    """Deploy BPMN files (and their .form files); a directory deploys its *.bpmn and forms/*.form."""
    with ctx.session() as session:
        who = acting_actor(session, username, as_operator)
        result = defs.deploy(session, defs.files_from_paths(list(files)),
                             user=None if who.operator else who, comment=comment)
    rows = [r.__dict__ for r in result]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['process_id']} version {r['version']}" + ("" if r["created"] else " (unchanged)")
        + ("" if r["approved"] else " (waits for an admin's approval: it calls guarded handlers)")
        for r in rs))


@cli.command()
@click.argument("process_id")
@click.argument("version", type=int)
@acting
@pass_cli
def approve(ctx: CliContext, process_id: str, version: int, username: str | None,
            as_operator: bool) -> None:
    """Let a version that calls guarded handlers run (admins)."""
    with ctx.session() as session:
        result = defs.approve_definition(session, process_id, version,
                                         user=acting_actor(session, username, as_operator))
    emit(ctx, result.__dict__, lambda r: f"{r['process_id']} version {r['version']} approved")


@cli.command()
@click.option("--all", "all_versions", is_flag=True, help="every version, not only the latest")
@pass_cli
def definitions(ctx: CliContext, all_versions: bool) -> None:
    """List deployed process definitions."""
    with ctx.session() as session:
        rows = [d.__dict__ for d in defs.list_definitions(session, latest_only=not all_versions)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['process_id']:32} v{r['version']:<4} {r['name'] or ''}" for r in rs) or "no definitions")
