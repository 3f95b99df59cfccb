"""Commands for operators: backup, restore, archive."""

from __future__ import annotations

from datetime import timedelta

import click

from engine.cli.app import CliContext, cli, emit, pass_cli
from engine.ops import backup as backup_uc
from engine.runtime.archive import ArchiveResult, archive_finished_cases


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_cli
def backup(ctx: CliContext, file: str) -> None:
    """Write a consistent backup of the whole database to FILE (SQLite or pg_dump format)."""
    result = backup_uc.backup(ctx.url, file)
    emit(ctx, result.to_dict(), lambda r: f"{r['backend']} backup written to {r['file']} "
         f"({r['size_bytes']} bytes)")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_cli
def restore(ctx: CliContext, file: str) -> None:
    """Restore FILE (from `alliance backup`) into the empty database of --database-url."""
    result = backup_uc.restore(ctx.url, file)
    emit(ctx, result.to_dict(), lambda r: f"{r['backend']} backup {r['file']} restored; run "
         "`alliance init-db` if it was made by an older version")


@cli.command()
@click.option("--older-than-days", type=float, required=True,
              help="archive the history of cases that ended more than this many days ago")
@pass_cli
def archive(ctx: CliContext, older_than_days: float) -> None:
    """Compress the history of long-finished cases (still shown on the case page and the API)."""
    total = ArchiveResult(0, 0, 0, 0)
    while True:
        with ctx.session() as session:
            batch = archive_finished_cases(session, older_than=timedelta(days=older_than_days))
        total = ArchiveResult(total.cases + batch.cases, total.events + batch.events,
                              total.raw_bytes + batch.raw_bytes, total.stored_bytes + batch.stored_bytes)
        if batch.cases == 0:
            break
    emit(ctx, total.to_dict(), lambda r: f"archived the history of {r['cases']} case(s): "
         f"{r['events']} event(s), {r['raw_bytes']} bytes stored as {r['stored_bytes']}")
