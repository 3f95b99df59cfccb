from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
from sqlalchemy.orm import Session

from engine.errors import EngineError
from engine.store.db import database_url as resolve_url
from engine.store.db import make_engine, make_session_factory


@dataclass
class CliContext:
    url: str
    as_json: bool
    _factory: Any = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session per command: commit on success, roll back on any error."""
        if self._factory is None:
            self._factory = make_session_factory(make_engine(self.url))
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def emit(ctx: CliContext, value: Any, human: Callable[[Any], str] | None = None) -> None:
    if ctx.as_json:
        click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))
    else:
        click.echo(human(value) if human else str(value))


def parse_json_option(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                                 f"column {exc.colno})") from None


class AllianceGroup(click.Group):
    """Turns engine errors into one clear line and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            obj = ctx.find_object(CliContext)
            if obj is not None and obj.as_json:
                click.echo(json.dumps(exc.to_dict(), indent=2, default=str), err=True)
            else:
                for line in str(exc).splitlines() or [type(exc).__name__]:
                    click.echo(f"error: {line}", err=True)
            sys.exit(1)


json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output")


@click.group(cls=AllianceGroup)
@click.option("--database-url", default=None, help="default: $DATABASE_URL or sqlite:///instance/alliance.db")
@json_option
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, as_json: bool) -> None:
    """Alliance Workflow: deploy processes, run cases, work tasks."""
    ctx.obj = CliContext(resolve_url(database_url), as_json)


def pass_cli(f: Callable[..., Any]) -> Callable[..., Any]:
    """Commands accept --json after their name too."""

    @json_option
    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, as_json: bool = False, **kwargs: Any) -> Any:
        obj: CliContext = ctx.obj
        if as_json:
            obj.as_json = True
        return f(obj, *args, **kwargs)

    wrapper.__name__ = f.__name__
    wrapper.__doc__ = f.__doc__
    return wrapper


PLUGINS_ENV = "ALLIANCE_CLI_PLUGINS"
DEFAULT_PLUGINS = "processes.cli"


def load_plugins() -> None:
    """Import command modules of the app around the engine (e.g. the Alliance's seed command).

    The engine does not import them by name: they are listed in $ALLIANCE_CLI_PLUGINS
    (comma-separated module paths, default "processes.cli"); a missing module is skipped.
    """
    import importlib
    import os

    for name in filter(None, (n.strip() for n in os.environ.get(PLUGINS_ENV, DEFAULT_PLUGINS).split(","))):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name and not name.startswith(f"{exc.name}."):
                raise


def main() -> None:
    from engine.cli import commands, tokens, users, worker  # noqa: F401  (registers commands)

    load_plugins()
    cli(prog_name="alliance")
