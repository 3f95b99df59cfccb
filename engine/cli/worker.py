"""Commands for background work: worker, message, incidents, retry."""

from __future__ import annotations

import logging
import os
import signal
from datetime import timedelta
from typing import Any

import click

from engine.background import incidents as incident_uc
from engine.background import messages as message_uc
from engine.background.worker import Worker
from engine.bootstrap import build_runtime, session_factory
from engine.cli.app import CliContext, acting, acting_actor, cli, emit, parse_json_option, pass_cli
from engine.errors import InvalidInput
from engine.notify.mail import settings_from_env as mail_settings_from_env
from engine.observability.logs import configure_logging, settings_from_env
from engine.observability.metrics_server import serve_metrics
from engine.store.db import make_engine

log = logging.getLogger("alliance.worker")


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
@click.option("--archive-after-days", type=float, default=None, envvar="ALLIANCE_ARCHIVE_AFTER_DAYS",
              help="archive the history of cases finished this many days ago, hourly "
                   "(0 removes the schedule; default: leave it as it is)")
@click.option("--metrics-port", type=int, default=None, envvar="ALLIANCE_WORKER_METRICS_PORT",
              help="serve /metrics (bearer METRICS_TOKEN or an operator's API token) on this port")
@click.option("--metrics-host", default="127.0.0.1", show_default=True,
              envvar="ALLIANCE_WORKER_METRICS_HOST", help="address for --metrics-port")
@click.option("-v", "--verbose", is_flag=True, help="log at INFO (default: $LOG_LEVEL or WARNING)")
@pass_cli
def worker(ctx: CliContext, once: bool, concurrency: int, poll: float, lease: float,
           handlers: str | None, archive_after_days: float | None, metrics_port: int | None,
           metrics_host: str, verbose: bool) -> None:
    """Fire due timers, deliver messages and run service tasks (any number may run at once).

    E-mail: $SMTP_URL, $MAIL_FROM, $BASE_URL, $DIGEST_HOUR (see web/config.py); without
    SMTP_URL people are told in the app only.
    """
    configure_logging(*settings_from_env(verbose=verbose))
    try:
        mail = mail_settings_from_env()
    except InvalidInput as exc:
        raise click.UsageError(str(exc)) from None
    runtime = build_runtime(handlers=handlers)
    engine = make_engine(ctx.url, **({"pool_size": concurrency + 2}
                                     if not ctx.url.startswith("sqlite") else {}))
    factory = session_factory(engine, runtime)
    runner = Worker(factory, concurrency=concurrency, lease=timedelta(seconds=lease),
                    archive_after_days=archive_after_days, mail=mail)
    if metrics_port is not None:
        server = serve_metrics(factory, metrics_host, metrics_port, os.environ.get("METRICS_TOKEN"))
        click.echo(f"worker metrics on http://{metrics_host}:{server.server_port}/metrics", err=True)

    def _stop(_signum: int, _frame: Any) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if not once:
        click.echo(f"worker {runner.worker_id}: {concurrency} thread(s), poll {poll}s, "
                   f"handlers from {runtime.handlers.loaded_from}, e-mail "
                   f"{'through ' + mail.smtp_url.rpartition('@')[2] if mail else 'off (no SMTP_URL)'}",
                   err=True)
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
@acting
@pass_cli
def message(ctx: CliContext, name: str, correlation: str | None, data: str | None,
            username: str | None, as_operator: bool) -> None:
    """Send a message to the case waiting for it (or start a case); an error if none matches."""
    values = parse_json_option(correlation, "--correlation")
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        result = message_uc.send_message(session, name, correlation=values, data=payload,
                                         user=acting_actor(session, username, as_operator))
    emit(ctx, result.to_dict(), lambda r: (
        f"message {r['name']} delivered to case(s) {', '.join(map(str, r['delivered_to']))}"
        if r["delivered_to"] else
        f"message {r['name']} started case(s) {', '.join(map(str, r['started']))}"))


@cli.command()
@click.option("--case", "case_id", type=int, default=None)
@click.option("--all", "include_resolved", is_flag=True, help="resolved ones too")
@acting
@pass_cli
def incidents(ctx: CliContext, case_id: int | None, include_resolved: bool, username: str | None,
              as_operator: bool) -> None:
    """Open incidents: failed steps and jobs that ran out of attempts (staff)."""
    with ctx.session() as session:
        rows = [v.to_dict() for v in incident_uc.incidents_for(
            session, acting_actor(session, username, as_operator), case_id=case_id,
            include_resolved=include_resolved)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>6}  case {r['case_id'] or '-':<6} {r['kind']:4} {r['element_id'] or ''}"
        f"{' (' + r['handler'] + ')' if r['handler'] else ''} after {r['attempts']} attempt(s): "
        f"{r['error']}" + (f"  [{r['resolution']}]" if r["resolved_at"] else "")
        for r in rs) or "no incidents")


@cli.command()
@click.argument("incident_id", type=int, required=False)
@click.option("--case", "case_id", type=int, default=None, help="retry every open incident of a case")
@click.option("--data", default=None, help="corrected data (JSON object) merged into the task first")
@click.option("--reason", required=True, help="why (recorded in the case's history)")
@acting
@pass_cli
def retry(ctx: CliContext, incident_id: int | None, case_id: int | None, data: str | None,
          reason: str, username: str | None, as_operator: bool) -> None:
    """Retry an incident (a failed step or job) after fixing its cause (staff)."""
    if (incident_id is None) == (case_id is None):
        raise click.UsageError("give an INCIDENT_ID or --case CASE_ID")
    payload = parse_json_option(data, "--data")
    with ctx.session() as session:
        who = acting_actor(session, username, as_operator)
        if incident_id is not None:
            views = [incident_uc.retry_incident(session, incident_id, user=who, reason=reason,
                                                data=payload)]
        else:
            assert case_id is not None
            views = incident_uc.retry_case(session, case_id, user=who, reason=reason, data=payload)
        rows = [v.to_dict() for v in views]
    emit(ctx, rows, lambda rs: "\n".join(
        f"incident {r['id']} retried (case {r['case_id']}, {r['element_id'] or ''})" for r in rs))
