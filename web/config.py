"""Configuration: every setting an operator gives, in one place, read from the environment.

    ALLIANCE_ENV        development | production (turns on the checks below, secure cookies)
    SECRET_KEY          signs sessions and CSRF tokens; production: >= 16 characters, not the
                        development key
    DATABASE_URL        default sqlite:///instance/alliance.db; in production
                        postgresql+psycopg://user:password@host:5432/name
    DB_POOL_SIZE        5: connections each web process keeps open (PostgreSQL); gunicorn workers
                        x pool size x nodes must stay under the server's max_connections
    DB_MAX_OVERFLOW     10: extra connections a web process may open at a peak
    DB_CONNECT_TIMEOUT  10: seconds to wait for PostgreSQL before a request (or /readyz) fails
    SMTP_URL            smtps://user:password@host:465, smtp://host:587?starttls=true, or
                        smtp://host:25 (a local relay): the workers mail notifications through it
                        (engine.notify); unset: people are told in the app only
    MAIL_FROM           the sender of notification mails; default Alliance Workflow <noreply@host>
    BASE_URL            what links in mails start with (https://alliance.example.org); default
                        http://127.0.0.1:5000
    DIGEST_HOUR         7: the hour of the daily digest mail, in each reader's time zone
    DOCUMENT_STORE      db (default: uploaded documents in the database, seen by every node) or
                        folder:/path (a folder every node shares)
    DOCUMENT_MAX_MB     10: the largest document one may upload
    DEV_MAILDIR         development only: the Maildir the local SMTP sink of `make run` writes,
                        shown at /dev/mail (default instance/mail)
    TRUSTED_PROXIES     0: how many reverse proxies stand in front; each adds one X-Forwarded-*
                        hop trusted through werkzeug's ProxyFix; 0 trusts none
    SESSION_COOKIE_SECURE  true in production (refused: false), false in development
    LOG_LEVEL           INFO (DEBUG, INFO, WARNING, ERROR)
    LOG_FORMAT          json in production, else text; JSON lines carry the request id
    METRICS_TOKEN       a bearer token for /metrics (>= 16 characters in production); API tokens
                        of users in `operators` or `admins` are accepted too
    ACTOR_CACHE_SECONDS 1: how long a process keeps who is asking (a user's or a token's groups,
                        bodies, being active; read by the engine, engine.access.asking): a change
                        made in another process is seen within it; 0 reads it at every request

`ALLIANCE_ENV=production` refuses to start, naming the setting, with: a missing, short or
development `SECRET_KEY`; `SESSION_COOKIE_SECURE=false`; debug mode (`FLASK_DEBUG`); an
in-memory SQLite database; an `smtp://` URL carrying a password to another host (it would
travel in clear: use `smtps://`); a `METRICS_TOKEN` under 16 characters. Any mode refuses
values that are not numbers or not among the choices.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from engine.observability.logs import FORMATS, LEVELS
from engine.store.db import DEFAULT_DATABASE_URL

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
MIN_SECRET = 16
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class ConfigError(RuntimeError):
    """The app refuses to start with this configuration."""


def defaults() -> dict[str, Any]:
    return {
        "ALLIANCE_ENV": "development",
        "DATABASE_URL": DEFAULT_DATABASE_URL,
        "DB_POOL_SIZE": 5,
        "DB_MAX_OVERFLOW": 10,
        "DB_CONNECT_TIMEOUT": 10,
        "SECRET_KEY": None,
        "SMTP_URL": None,
        "MAIL_FROM": None,
        "BASE_URL": None,
        "DIGEST_HOUR": 7,
        "DOCUMENT_STORE": "db",
        "DOCUMENT_MAX_MB": 10,
        "DEV_MAILDIR": None,
        "TRUSTED_PROXIES": 0,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": None,  # json in production, text otherwise
        "METRICS_TOKEN": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,  # None: decided by ALLIANCE_ENV
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ["en", "pt", "zh"],
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "INBOX_PER_PAGE": 25,
        "VENDOR_DIR": None,  # default: web/static/vendor inside the package (web.assets)
        "DB_ENGINE": None,  # an existing SQLAlchemy Engine (tests) instead of DATABASE_URL
    }


TEXT_SETTINGS = ("DATABASE_URL", "SECRET_KEY", "ALLIANCE_ENV", "SMTP_URL", "LOG_LEVEL", "LOG_FORMAT",
                 "METRICS_TOKEN", "VENDOR_DIR", "MAIL_FROM", "BASE_URL", "DOCUMENT_STORE", "DEV_MAILDIR")
INT_SETTINGS = ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_CONNECT_TIMEOUT", "TRUSTED_PROXIES", "DIGEST_HOUR",
                "DOCUMENT_MAX_MB")
BOOL_SETTINGS = ("SESSION_COOKIE_SECURE",)
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {key: env[key] for key in (*TEXT_SETTINGS, *INT_SETTINGS, *BOOL_SETTINGS)
                             if env.get(key)}
    if env.get("FLASK_DEBUG", "").lower() in TRUE:
        found["DEBUG"] = True
    return found


def _integer(config: dict[str, Any], key: str, low: int, high: int) -> None:
    value = config.get(key)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {number}")
    config[key] = number


def _boolean(value: Any, key: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ConfigError(f"{key} must be true or false, not {value!r}")


def _check_smtp(url: str | None, production: bool) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or url!r}://")
    if not parts.hostname:
        raise ConfigError("SMTP_URL names no host (smtps://user:password@host:465)")
    if (production and parts.scheme == "smtp" and parts.password
            and parts.hostname not in LOCAL_HOSTS):
        raise ConfigError("refusing to send the SMTP password in clear to another host in production: "
                          "use smtps:// in SMTP_URL")


def finish(config: dict[str, Any]) -> dict[str, Any]:
    """Check the merged configuration; production refuses unsafe combinations."""
    mode = config.get("ALLIANCE_ENV", "development")
    if mode not in ("production", "development"):
        raise ConfigError(f"ALLIANCE_ENV must be 'production' or 'development', not {mode!r}")
    production = mode == "production"
    for key, low, high in (("DB_POOL_SIZE", 1, 1000), ("DB_MAX_OVERFLOW", 0, 1000),
                           ("DB_CONNECT_TIMEOUT", 1, 600), ("TRUSTED_PROXIES", 0, 10),
                           ("DIGEST_HOUR", 0, 23), ("DOCUMENT_MAX_MB", 1, 1024)):
        _integer(config, key, low, high)
    level = str(config.get("LOG_LEVEL") or "INFO").upper()
    if level not in LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    config["LOG_LEVEL"] = level
    log_format = str(config.get("LOG_FORMAT") or ("json" if production else "text"))
    if log_format not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    config["LOG_FORMAT"] = log_format
    _check_smtp(config.get("SMTP_URL"), production)
    store = str(config.get("DOCUMENT_STORE") or "db")
    if store != "db" and not (store.startswith("folder:") and store[7:].strip()):
        raise ConfigError(f"DOCUMENT_STORE must be 'db' or 'folder:/path', not {store!r}")
    secure = _boolean(config.get("SESSION_COOKIE_SECURE"), "SESSION_COOKIE_SECURE")
    metrics_token = config.get("METRICS_TOKEN")
    secret_key = config.get("SECRET_KEY")
    if production:
        if not secret_key or secret_key == DEV_SECRET_KEY or len(str(secret_key)) < MIN_SECRET:
            raise ConfigError(f"refusing to start in production without a SECRET_KEY of at least "
                              f"{MIN_SECRET} characters (set the SECRET_KEY environment variable)")
        if secure is False:
            raise ConfigError("refusing SESSION_COOKIE_SECURE=false in production: session cookies "
                              "would travel over plain HTTP (serve HTTPS, or a proxy that does)")
        if config.get("DEBUG"):
            raise ConfigError("refusing debug mode (FLASK_DEBUG) in production: it shows code and "
                              "data to anyone who triggers an error")
        if str(config.get("DATABASE_URL", "")).startswith("sqlite:///:memory:") or \
                str(config.get("DATABASE_URL", "")) == "sqlite://":
            raise ConfigError("refusing an in-memory SQLite database in production: every process "
                              "would have its own, lost at exit")
        if metrics_token is not None and len(str(metrics_token)) < MIN_SECRET:
            raise ConfigError(f"METRICS_TOKEN must have at least {MIN_SECRET} characters in production")
        secure = True
        config["REMEMBER_COOKIE_SECURE"] = True
    elif not secret_key:
        config["SECRET_KEY"] = DEV_SECRET_KEY
    config["SESSION_COOKIE_SECURE"] = bool(secure)
    return config
