"""A flask-smorest blueprint with the API's token check and problem+json errors."""

from __future__ import annotations

from flask_smorest import Blueprint

from web.api import problems
from web.api.security import authenticate, bounded_ids
from web.input_guard import SafeArgumentsParser


class ApiBlueprint(Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = SafeArgumentsParser()  # JSON bodies under the engine's value rules


def api_blueprint(name: str, description: str) -> Blueprint:
    bp = ApiBlueprint(f"api-{name}", __name__, description=description)
    bp.before_request(authenticate)
    bp.url_value_preprocessor(bounded_ids)
    problems.register(bp)
    return bp


__all__ = ["api_blueprint"]
