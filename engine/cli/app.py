from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import click
from sqlalchemy.orm import Session

from engine.access.users import Actor, actor
from engine.bootstrap import session_factory
from engine.errors import EngineError, FormInvalid
from engine.store.db import database_url as resolve_url
from engine.store.db import make_engine


@dataclass
class CliContext:
    url: str
    as_json: bool
    _factory: Any = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session per command: commit on success, roll back on any error."""
        if self._factory is None:
            self._factory = session_factory(make_engine(self.url))
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


OPERATOR = "operator"


def acting(f: Callable[..., Any]) -> Callable[..., Any]:
    """`--user NAME` acts under that user's rights; `--operator` bypasses them (recorded)."""
    f = click.option("--operator", "as_operator", is_flag=True,
                     help="operator mode: bypass the access rules (recorded in history)")(f)
    return click.option("--user", "username", default=None,
                        help="act as this user, under the same rules as the web and the API")(f)


def acting_actor(session: Session, username: str | None, as_operator: bool) -> Actor:
    if username is None and not as_operator:
        raise click.UsageError("give --user NAME (act under that user's rights) or --operator "
                               "(bypass them; recorded in history)")
    if username is None:
        return Actor(OPERATOR, frozenset(), operator=True)
    return actor(session, username, operator=as_operator)


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
                details = {"errors": exc.errors} if isinstance(exc, FormInvalid) else {}
                click.echo(json.dumps({**exc.to_dict(), **details}, indent=2, default=str), err=True)
            else:
                for line in str(exc).splitlines() or [type(exc).__name__]:
                    click.echo(f"error: {line}", err=True)
                if isinstance(exc, FormInvalid):
                    for field, messages in exc.errors.items():
                        for message in messages:
                            click.echo(f"  {field}: {message}", err=True)
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
PLUGINS_ENTRY_POINTS = "alliance.cli"


def load_plugins() -> None:
    """Import command modules of the app around the engine (e.g. the Alliance's seed command).

    The engine does not import them by name: they are the modules named by installed
    packages under the entry-point group "alliance.cli" (the web layer's `serve`), and
    those listed in $ALLIANCE_CLI_PLUGINS (comma-separated module paths, default
    "processes.cli"); a missing module is skipped.
    """
    names = [ep.value for ep in entry_points(group=PLUGINS_ENTRY_POINTS)]
    names += [n.strip() for n in os.environ.get(PLUGINS_ENV, DEFAULT_PLUGINS).split(",")]
    for name in filter(None, dict.fromkeys(names)):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name and not name.startswith(f"{exc.name}."):
                raise
