"""Commands for background work: worker, message, incidents, retry."""

from __future__ import annotations

import logging
import signal
from datetime import timedelta
from typing import Any

import click

from engine.background import incidents as incident_uc
from engine.background import messages as message_uc
from engine.background.worker import Worker
from engine.bootstrap import build_runtime, session_factory
from engine.cli.app import CliContext, cli, emit, parse_json_option, pass_cli
from engine.store.db import make_engine


@cli.command()
@click.option("--once", is_flag=True, help="run the jobs due now, then exit")
@click.option("--concurrency", type=int, default=1, show_default=True, help="threads running jobs")
@click.option("--poll", type=float, default=1.0, show_default=True,
              help="seconds to wait when no job is due")
@click.option("--lease", type=float, default=300.0, show_default=True,
              help="seconds a claimed job is reserved; must exceed the longest handler")
@click.option("--handlers", default=None,
              help="dotted path module:NAME of the service handlers "
                   "(default: $ALLIANCE_HANDLERS or processes.handlers:HANDLERS)")
@click.option("-v", "--verbose", is_flag=True)
@pass_cli
def worker(ctx: CliContext, once: bool, concurrency: int, poll: float, lease: float,
           handlers: str | None, verbose: bool) -> None:
    """Fire due timers, deliver messages and run service tasks (any number may run at once)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    runtime = build_runtime(handlers=handlers)
    engine = make_engine(ctx.url, **({"pool_size": concurrency + 2}
                                     if not ctx.url.startswith("sqlite") else {}))
    runner = Worker(session_factory(engine, runtime), concurrency=concurrency,
                    lease=timedelta(seconds=lease))

    def _stop(_signum: int, _frame: Any) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if not once:
        click.echo(f"worker {runner.worker_id}: {concurrency} thread(s), poll {poll}s, "
                   f"handlers from {runtime.handlers.loaded_from}", err=True)
    try:
        stats = runner.run(poll=poll, once=once)
    finally:
        runtime.close()  # its evaluator processes
    out = {"worker": runner.worker_id, "claimed": stats.claimed, "done": stats.done,
           "failed": stats.failed, "conflicts": stats.conflicts, "by_kind": stats.by_kind}
    emit(ctx, out, lambda v: f"worker {v['worker']}: {v['done']} job(s) done, {v['failed']} failed, "
         f"{v['conflicts']} conflict(s)")


@cli.command()
@click.argument("name")
@click.option("--correlation", default=None, help='correlation values, e.g. {"initiative_id": 7}')
@click.option("--data", default=None, help="message payload as a JSON object")
@click.option("--user", default=None, help="who sends it (recorded)")
@pass_cli
def message(ctx: CliContext, name: str, correlation: str | None, data: str | None,
            user: str | None) -> None:
    """Send a message to the case waiting for it (or start a case); an error if none matches."""
    values = parse_json_option(correlation, "--correlation")
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        result = message_uc.send_message(session, name, correlation=values, data=payload, user=user)
    emit(ctx, result.to_dict(), lambda r: (
        f"message {r['name']} delivered to case(s) {', '.join(map(str, r['delivered_to']))}"
        if r["delivered_to"] else
        f"message {r['name']} started case(s) {', '.join(map(str, r['started']))}"))


@cli.command()
@click.option("--case", "case_id", type=int, default=None)
@click.option("--all", "include_resolved", is_flag=True, help="resolved ones too")
@pass_cli
def incidents(ctx: CliContext, case_id: int | None, include_resolved: bool) -> None:
    """Open incidents: failed steps and jobs that ran out of attempts."""
    with ctx.session() as session:
        rows = [v.to_dict() for v in incident_uc.list_incidents(
            session, case_id=case_id, include_resolved=include_resolved)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>6}  case {r['case_id'] or '-':<6} {r['kind']:4} {r['element_id'] or ''}"
        f"{' (' + r['handler'] + ')' if r['handler'] else ''} after {r['attempts']} attempt(s): "
        f"{r['error']}" + (f"  [{r['resolution']}]" if r["resolved_at"] else "")
        for r in rs) or "no incidents")


@cli.command()
@click.argument("incident_id", type=int, required=False)
@click.option("--case", "case_id", type=int, default=None, help="retry every open incident of a case")
@click.option("--data", default=None, help="corrected data (JSON object) merged into the task first")
@click.option("--user", default=None, help="who retries (recorded)")
@pass_cli
def retry(ctx: CliContext, incident_id: int | None, case_id: int | None, data: str | None,
          user: str | None) -> None:
    """Retry an incident (a failed step or job) after fixing its cause."""
    if (incident_id is None) == (case_id is None):
        raise click.UsageError("give an INCIDENT_ID or --case CASE_ID")
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        if incident_id is not None:
            views = [incident_uc.retry_incident(session, incident_id, user=user, data=payload)]
        else:
            assert case_id is not None
            views = incident_uc.retry_case(session, case_id, user=user, data=payload)
        rows = [v.to_dict() for v in views]
    emit(ctx, rows, lambda rs: "\n".join(
        f"incident {r['id']} retried (case {r['case_id']}, {r['element_id'] or ''})" for r in rs))
