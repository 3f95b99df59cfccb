"""Structured logs: one JSON object per line on stderr, with the request id.

    configure_logging("INFO", "json")     # alliance serve / alliance worker

Each line has `ts` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` when
one is bound, the exception text under `exc`, and whatever the caller passed in
`extra={...}` (e.g. the access log's `method`, `path`, `status`, `duration_ms`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from engine.observability.context import current_request_id

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("json", "text")
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
_HANDLER_MARK = "_alliance_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None) or current_request_id()
        return f"{text} [request {request_id}]" if request_id else text


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def settings_from_env(environ: dict[str, str] | None = None, *, verbose: bool = False) -> tuple[str, str]:
    """(level, format) from LOG_LEVEL and LOG_FORMAT; JSON by default in production."""
    env = dict(os.environ if environ is None else environ)
    production = env.get("ALLIANCE_ENV") == "production"
    level = env.get("LOG_LEVEL") or ("INFO" if verbose or production else "WARNING")
    return level.upper(), env.get("LOG_FORMAT") or ("json" if production else "text")


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Route the root logger to one stderr handler with our formatter (idempotent)."""
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, not {level!r}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
