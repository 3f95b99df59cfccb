"""Third-party front-end files served from node_modules (installed from the npm registry).

Nothing is copied into the repository and nothing loads from a CDN: only the
files listed here are served, with a long cache lifetime.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("assets", __name__, url_prefix="/vendor")

ALLOWED_DIRS = (
    "bpmn-js/dist/",
    "@bpmn-io/form-js/dist/",
    "dmn-js/dist/",
    "swagger-ui-dist/",
)
ALLOWED_SUFFIXES = (".js", ".css", ".woff", ".woff2", ".ttf", ".eot", ".svg")


def allowed(path: str) -> bool:
    return (path.startswith(ALLOWED_DIRS) and path.endswith(ALLOWED_SUFFIXES)
            and ".." not in Path(path).parts)


@bp.route("/<path:path>")
def vendor(path: str) -> Response:
    if not allowed(path):
        abort(404)
    root = Path(current_app.config["NODE_MODULES"])
    return send_from_directory(root, path, max_age=7 * 24 * 3600)
