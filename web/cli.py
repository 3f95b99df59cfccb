"""`alliance serve`: the web app under gunicorn, configured from the environment.

Registered with the `alliance` command through the "alliance.cli" entry point (the
engine does not import the web layer). It checks the settings (web/config.py) first,
then replaces itself with gunicorn (web/gunicorn_conf.py): JSON logs in production,
and prometheus-client's multiprocess mode in a folder of its own, so /metrics sums
every gunicorn worker.
"""

from __future__ import annotations

import os
import sys
import tempfile

import click

from engine.cli.app import CliContext, cli, pass_cli
from engine.observability.metrics import MULTIPROC_ENV
from web.config import ConfigError, defaults, finish, from_environment

DEFAULT_BIND = "127.0.0.1:8000"


def gunicorn_argv(bind: str, workers: int, threads: int, timeout: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--config", "python:web.gunicorn_conf",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads),
            "--timeout", str(timeout), "web:create_app()"]


@cli.command()
@click.option("--bind", default=DEFAULT_BIND, show_default=True, envvar="ALLIANCE_BIND",
              help="address:port to listen on ($ALLIANCE_BIND)")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              envvar="WEB_CONCURRENCY", help="gunicorn worker processes ($WEB_CONCURRENCY)")
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
              help="threads per worker process")
@click.option("--timeout", type=click.IntRange(5, 3600), default=60, show_default=True,
              help="seconds before a silent worker is restarted")
@click.option("--metrics-dir", default=None, envvar="ALLIANCE_METRICS_DIR",
              help="folder for the workers' shared metrics (default: a new temporary folder)")
@pass_cli
def serve(ctx: CliContext, bind: str, workers: int, threads: int, timeout: int,
          metrics_dir: str | None) -> None:
    """Serve the web app with gunicorn; settings from the environment (see web/config.py)."""
    env = dict(os.environ, DATABASE_URL=ctx.url)
    try:
        finish({**defaults(), **from_environment(env)})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    folder = env.get(MULTIPROC_ENV) or metrics_dir or tempfile.mkdtemp(prefix="alliance-metrics-")
    os.makedirs(folder, exist_ok=True)
    env[MULTIPROC_ENV] = folder
    argv = gunicorn_argv(bind, workers, threads, timeout)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # gunicorn takes over this process (signals, pid)
