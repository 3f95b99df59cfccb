"""Gunicorn settings and hooks used by `alliance serve` (`--config python:web.gunicorn_conf`).

- Logs: gunicorn's own and the app's go to stderr through one formatter
  (engine.observability.logs: JSON in production, LOG_LEVEL/LOG_FORMAT); gunicorn's
  access log stays off, the app writes its own lines with the request id.
- Metrics: prometheus-client's multiprocess folder ($PROMETHEUS_MULTIPROC_DIR, set by
  `alliance serve`) is emptied at start; a dead worker's files are marked dead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.observability.logs import settings_from_env
from engine.observability.metrics import MULTIPROC_ENV, mark_process_dead

_level, _format = settings_from_env(dict(os.environ, LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO")))

accesslog = None
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"alliance": {"()": "engine.observability.logs.formatter", "fmt": _format}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "alliance",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": _level, "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": _level, "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    mark_process_dead(worker.pid)
