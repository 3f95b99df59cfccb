"""The Flask web layer: `create_app()` builds an app; nothing is created at import time.

    flask --app 'web:create_app()' run          # development
    alliance serve                              # production: gunicorn (web.cli), JSON logs, metrics

Settings: web/config.py (one table of every variable).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum  # noqa: F401  (action plans and the Cities Forum)
from engine.notify.bell import unread_count
from web import (
    admin,
    admin_bodies,
    api,
    assets,
    auth,
    collab,
    csp,
    dashboard,
    db,
    devmail,
    errors,
    home,
    i18n,
    inbox,
    input_guard,
    modeler,
    notifications,
    observability,
    ops,
    profile,
    registry_pages,
    start,
    tasks,
)
from web.config import defaults, finish, from_environment


def _template_globals() -> dict[str, Any]:
    user = current_user if current_user.is_authenticated else None
    unread = 0
    if user is not None:
        try:
            unread = unread_count(db.get_db(), user.actor)
        except SQLAlchemyError:  # an error page about the database still renders
            db.get_db().rollback()
    return {"me": user, "is_admin": bool(user and user.is_admin), **i18n.template_globals(),
            "unread_notifications": unread}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: defaults, then the environment, then `config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(finish({**defaults(), **from_environment(), **(config or {})}))
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies)
    observability.init_app(app)  # first: the request id is bound before anything else runs
    input_guard.init_app(app)  # before any route: the bounded int converter, JSON rules
    CSRFProtect(app)
    Babel(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    db.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    for blueprint in (home.bp, inbox.bp, tasks.bp, start.bp, admin.bp, admin_bodies.bp, modeler.bp,
                      profile.bp, assets.bp, dashboard.bp, registry_pages.bp, ops.bp, i18n.bp,
                      notifications.bp, collab.bp, devmail.bp):
        app.register_blueprint(blueprint)
    api.init_app(app)  # the REST API under /api/v1 (after the app's error handlers)
    app.context_processor(_template_globals)
    csp.init_app(app)  # Content-Security-Policy and the other security headers
    return app


__all__ = ["create_app"]
