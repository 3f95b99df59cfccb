"""Who may read /metrics: a bearer token, either `METRICS_TOKEN` or an operator's API token.

Metrics name processes and volumes, so they are not anonymous. A scraper sends
`Authorization: Bearer <token>` where the token is the configured `METRICS_TOKEN`
(compared in constant time) or an API token of a user in the `operators` or
`admins` group (`alliance tokens create USER`).
"""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from engine.access.policy import ADMINS, OPERATORS
from engine.access.tokens import InvalidToken, authenticate_token
from engine.errors import PermissionDenied

METRICS_READERS = frozenset({OPERATORS, ADMINS})


def authorize_metrics(session: Session, authorization: str | None, metrics_token: str | None) -> str:
    """Who is scraping ('metrics-token' or a username); raises InvalidToken / PermissionDenied."""
    scheme, _, raw = (authorization or "").strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise InvalidToken("metrics need 'Authorization: Bearer <token>' (METRICS_TOKEN or the API "
                           "token of an operator)")
    if metrics_token and hmac.compare_digest(raw.encode(), metrics_token.encode()):
        return "metrics-token"
    actor = authenticate_token(session, raw)
    if not actor.in_any(set(METRICS_READERS)):
        raise PermissionDenied(f"only {', '.join(sorted(METRICS_READERS))} may read metrics")
    return actor.username
