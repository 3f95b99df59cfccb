"""One database session per request; views that write say so with `@transaction`.

The session factory lives on the app (`app.extensions["alliance_db"]`), built by
`engine.bootstrap.session_factory` so that every session carries the engine's runtime. The
request's session is `g.db`, opened on first use. A view decorated with `@transaction`
commits when it returns and rolls back when it raises, whatever the response's status; any
other view never commits. Teardown rolls back and closes whatever is left.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.bootstrap import build_runtime
from engine.bootstrap import session_factory as engine_session_factory
from engine.documents.storage import store_from_setting
from engine.store.db import make_engine

EXTENSION = "alliance_db"
View = TypeVar("View", bound=Callable[..., Any])


def _pool_options(app: Flask) -> dict[str, Any]:
    """Pool size and connect timeout from the configuration (web.config); PostgreSQL only."""
    if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
        return {}
    return {"pool_size": app.config["DB_POOL_SIZE"], "max_overflow": app.config["DB_MAX_OVERFLOW"],
            "connect_args": {"connect_timeout": app.config["DB_CONNECT_TIMEOUT"]}}


def init_app(app: Flask) -> None:
    engine: Engine = app.config.get("DB_ENGINE") or make_engine(app.config["DATABASE_URL"],
                                                                pool_pre_ping=True, **_pool_options(app))
    runtime = app.config.get("ENGINE_RUNTIME") or build_runtime(documents=store_from_setting(
        app.config["DOCUMENT_STORE"], app.config["DOCUMENT_MAX_MB"]))
    app.extensions[EXTENSION] = engine_session_factory(engine, runtime)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Any]:
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def get_db() -> Session:
    """The request's session (opened on first use)."""
    if "db" not in g:
        g.db = session_factory()()
    return g.db  # type: ignore[no-any-return]


def transaction(view: View) -> View:
    """The view writes: commit what it did when it returns, roll back if it raises."""
    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        session = get_db()
        try:
            result = view(*args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result
    return run  # type: ignore[return-value]


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
