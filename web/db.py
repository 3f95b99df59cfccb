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

from engine.bootstrap import session_factory as engine_session_factory
from engine.store.db import make_engine

EXTENSION = "alliance_db"


def init_app(app: Flask) -> None:
    engine: Engine = app.config.get("DB_ENGINE") or make_engine(app.config["DATABASE_URL"],
                                                                pool_pre_ping=True)
    app.extensions[EXTENSION] = engine_session_factory(engine, app.config.get("ENGINE_RUNTIME"))
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
