"""Configuration from the environment, with safe defaults for development.

`ALLIANCE_ENV=production` requires a real `SECRET_KEY` and sets secure cookies.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.store.db import DEFAULT_DATABASE_URL

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
REPO = Path(__file__).resolve().parents[1]


class ConfigError(RuntimeError):
    """The app refuses to start with this configuration."""


def defaults() -> dict[str, Any]:
    return {
        "ALLIANCE_ENV": "development",
        "DATABASE_URL": DEFAULT_DATABASE_URL,
        "SECRET_KEY": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ["en"],
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "INBOX_PER_PAGE": 25,
        "NODE_MODULES": str(REPO / "node_modules"),
        "DB_ENGINE": None,  # an existing SQLAlchemy Engine (tests) instead of DATABASE_URL
    }


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key in ("DATABASE_URL", "SECRET_KEY", "ALLIANCE_ENV", "NODE_MODULES"):
        if env.get(key):
            found[key] = env[key]
    return found


def finish(config: dict[str, Any]) -> dict[str, Any]:
    """Check the merged configuration; production refuses a missing or default key."""
    mode = config.get("ALLIANCE_ENV", "development")
    if mode not in ("production", "development"):
        raise ConfigError(f"ALLIANCE_ENV must be 'production' or 'development', not {mode!r}")
    key = config.get("SECRET_KEY")
    if mode == "production":
        if not key or key == DEV_SECRET_KEY or len(str(key)) < 16:
            raise ConfigError("refusing to start in production without a SECRET_KEY of at least "
                              "16 characters (set the SECRET_KEY environment variable)")
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    elif not key:
        config["SECRET_KEY"] = DEV_SECRET_KEY
    return config
