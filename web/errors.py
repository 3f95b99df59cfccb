"""Engine errors and HTTP errors mapped to responses, in one place.

Every error page says in plain words what happened and what to do next; none
shows a stack trace. Conflicts keep what the user typed (`g.submitted`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from web.i18n import error_text

log = logging.getLogger(__name__)


def status_for(exc: engine_errors.EngineError) -> int:
    if isinstance(exc, engine_errors.NotFound):
        return 404
    if isinstance(exc, engine_errors.PermissionDenied):
        return 403
    if isinstance(exc, engine_errors.Conflict):
        return 409
    if isinstance(exc, (engine_errors.InvalidInput, engine_errors.DeploymentRefused,
                        engine_errors.StepFailed)):
        return 422
    return 500


def _engine_text(exc: engine_errors.EngineError) -> tuple[str, str]:
    """A title and a plain explanation for an engine error."""
    if isinstance(exc, engine_errors.StepFailed):
        return _("The process could not take this step"), _(
            "What you sent makes a step of the process fail, so nothing was saved: the task is "
            "still open and what you typed is shown below. The reason is given here; correct the "
            "data or ask the Secretariat.")
    if isinstance(exc, engine_errors.CaseStuck):
        return _("This would leave the case stuck"), _(
            "After this change the case would have nothing left to do. Nothing was changed.")
    if isinstance(exc, engine_errors.TaskHeldByOther):
        return _("Someone else is working on this task"), _(
            "Another person claimed or changed this task before you. Nothing you typed was saved; "
            "it is shown below so that you can keep it.")
    if isinstance(exc, engine_errors.TaskNotOpen):
        return _("This task is already done"), _(
            "Someone completed this task, or the process moved on, before you sent the form. "
            "Nothing you typed was saved; it is shown below so that you can keep it.")
    if isinstance(exc, engine_errors.CaseNotActive):
        return _("This case is not active"), _(
            "The case is suspended, completed or cancelled, so its tasks cannot be worked on now.")
    if isinstance(exc, engine_errors.Conflict):
        return _("Someone else got there first"), _(
            "The case changed while you were working on it. Nothing you typed was saved; it is "
            "shown below. Open the task again to see its current state.")
    if isinstance(exc, engine_errors.NotFound):
        return _("Not found"), _("We could not find what you asked for. It may have been removed, "
                                 "or the link is wrong.")
    if isinstance(exc, engine_errors.PermissionDenied):
        return _("Not allowed"), _("This page belongs to other people. If you think it should be "
                                   "yours, ask the Secretariat to add you to the right group.")
    if isinstance(exc, (engine_errors.InvalidInput, engine_errors.DeploymentRefused)):
        return _("The data was not accepted"), _("Please check what you entered and try again.")
    return _("Something went wrong"), _("The process could not go on. The Secretariat has been "
                                        "told; please try again later.")



def _http_text(code: int) -> tuple[str, str]:
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Not allowed"), _("You may not open this page.")),
        404: (_("Page not found"), _("There is no page at this address. Check the link, or go "
                                     "back to your inbox.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        409: (_("Someone else got there first"), _("The data changed meanwhile. Reload the page.")),
        413: (_("Too large"), _("What you sent is too large.")),
        422: (_("The data was not accepted"), _("Please check what you entered and try again.")),
    }
    return texts.get(code, (_("Something went wrong"), _(
        "An unexpected error happened on our side. It has been logged; please try again later.")))


def wants_json() -> bool:
    """A script's request (fetch with `Accept: application/json`): errors answer in JSON."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def render_error(code: int, title: str, message: str, detail: str | None = None,
                 field: str | None = None) -> Any:
    if wants_json():
        return jsonify({"title": title, "message": message, "detail": detail, "field": field}), code
    submitted = g.get("submitted")
    return render_template("error.html", code=code, title=title, message=message, detail=detail,
                           submitted=submitted), code


def handle_engine_error(exc: engine_errors.EngineError) -> Any:
    code = status_for(exc)
    if code == 500:
        log.error("engine error on %s %s: %s", request.method, request.path, exc, exc_info=exc)
        detail = None
    else:
        detail = error_text(exc)
    title, message = _engine_text(exc)
    field = exc.context.get("field")
    return render_error(code, title, message, detail, field=str(field) if field else None)


def handle_csrf_error(exc: CSRFError) -> Any:
    return render_error(400, _("The form has expired"), _(
        "This form was not sent from this site, or it was open too long. Go back, reload the "
        "page and send it again."))


def handle_http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    if code < 400:
        return exc
    title, message = _http_text(code)
    return render_error(code, title, message)


def handle_unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    title, message = _http_text(500)
    return render_error(500, title, message)


def init_app(app: Flask) -> None:
    app.register_error_handler(engine_errors.EngineError, handle_engine_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
