"""Third-party front-end files (bpmn-js, form-js, Swagger UI) served under /vendor/.

They come from the npm registry (`package.json`); `npm run build` copies the files
listed in web/assets/vendor.mjs into web/static/vendor/ (git-ignored), which the wheel
ships, so an installed app needs neither Node nor node_modules. Nothing third-party is
in the repository and nothing loads from a CDN: only the allow-listed files are served,
with a long cache lifetime.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("assets", __name__, url_prefix="/vendor")

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
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
    root = Path(current_app.config.get("VENDOR_DIR") or VENDOR_DIR)
    return send_from_directory(root, path, max_age=7 * 24 * 3600)
