"""One database session per request, committed in one place.

The session factory lives on the app (`app.extensions["alliance_db"]`); the
request's session is `g.db`, opened on first use. `after_request` commits when
the response is a success (status < 400) and rolls back otherwise; teardown
rolls back and closes whatever is left (an unhandled error).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.store.db import make_engine, make_session_factory

EXTENSION = "alliance_db"


def _pool_options(app: Flask) -> dict[str, Any]:
    """Pool size and connect timeout from the configuration (web.config); PostgreSQL only."""
    if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
        return {}
    return {"pool_size": app.config["DB_POOL_SIZE"], "max_overflow": app.config["DB_MAX_OVERFLOW"],
            "connect_args": {"connect_timeout": app.config["DB_CONNECT_TIMEOUT"]}}


def init_app(app: Flask) -> None:
    engine: Engine = app.config.get("DB_ENGINE") or make_engine(app.config["DATABASE_URL"],
                                                                pool_pre_ping=True, **_pool_options(app))
    app.extensions[EXTENSION] = make_session_factory(engine)
    app.after_request(_finish_transaction)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Any]:
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def get_db() -> Session:
    """The request's session (opened on first use)."""
    if "db" not in g:
        g.db = session_factory()()
    return g.db  # type: ignore[no-any-return]


def _finish_transaction(response: Response) -> Response:
    session: Session | None = g.pop("db", None)
    if session is None:
        return response
    try:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
