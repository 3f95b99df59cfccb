"""API tokens: stored hashed, shown once, revocable, tied to an active user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.tokens import (
    InvalidToken,
    authenticate_token,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from engine.access.users import get_user
from engine.errors import InvalidInput, NotFound
from engine.store.models import ApiToken


def test_create_stores_only_the_hash(session: Session, make_user: Callable[..., Any]) -> None:
    make_user("ana", "secretariat")
    new = create_token(session, "ana", name="portal")
    row = session.scalar(select(ApiToken))
    assert row is not None and row.token_hash == hash_token(new.secret) != new.secret
    assert new.secret.startswith("alw_") and len(new.secret) > 40
    assert authenticate_token(session, new.secret).groups == frozenset({"secretariat"})
    assert new.token.name == "portal" and new.token.active


def test_refusals(session: Session, make_user: Callable[..., Any]) -> None:
    make_user("ana")
    secret = create_token(session, "ana").secret
    for raw in ("", "alw_wrong", "x" * 1000, secret[:-1]):
        with pytest.raises(InvalidToken):
            authenticate_token(session, raw)
    with pytest.raises(InvalidInput):
        create_token(session, "ana", name="n" * 500)
    with pytest.raises(NotFound):
        create_token(session, "nobody")


def test_revoke_and_inactive(session: Session, make_user: Callable[..., Any]) -> None:
    make_user("ana")
    make_user("bo")
    first = create_token(session, "ana")
    second = create_token(session, "ana", name="second")
    with pytest.raises(NotFound):
        revoke_token(session, first.token.id, username="bo")
    assert revoke_token(session, first.token.id, username="ana").revoked_at is not None
    with pytest.raises(InvalidToken):
        authenticate_token(session, first.secret)
    assert [t.active for t in list_tokens(session, "ana")] == [False, True]
    assert len(list_tokens(session, "ana", include_revoked=False)) == 1
    get_user(session, "ana").active = False
    with pytest.raises(InvalidToken):
        authenticate_token(session, second.secret)
    with pytest.raises(NotFound):
        revoke_token(session, 999)


def test_last_used_is_written_at_most_once_a_minute(session: Session, make_user: Callable[..., Any],
                                                     fake_clock: Any) -> None:
    make_user("ana")
    new = create_token(session, "ana")
    authenticate_token(session, new.secret)
    row = session.get(ApiToken, new.token.id)
    assert row is not None and row.last_used_at is not None
    first = row.last_used_at
    fake_clock.advance(timedelta(seconds=10))
    authenticate_token(session, new.secret)
    session.expire(row)  # written on the table, not through this object
    assert row.last_used_at == first
    fake_clock.advance(timedelta(minutes=2))
    authenticate_token(session, new.secret)
    session.expire(row)
    assert row.last_used_at > first


def test_cli_create_list_revoke(db_engine: Any, session: Session, fake_clock: Any,
                                make_user: Callable[..., Any]) -> None:
    """The command line is another process: a token it revokes is refused here once the answer
    this runtime keeps for it (engine.access.asking, 1 s) has expired."""
    import json

    from click.testing import CliRunner

    import engine.cli.tokens  # noqa: F401  (registers the commands)
    from engine.cli.app import cli

    make_user("ana")
    session.rollback()  # SQLite: an open transaction would hold the writer lock
    url = str(db_engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    created = runner.invoke(cli, ["--database-url", url, "--json", "tokens", "create", "ana",
                                  "--name", "portal"])
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)
    assert token["token"].startswith("alw_")
    assert authenticate_token(session, token["token"]).username == "ana"
    session.rollback()
    listed = runner.invoke(cli, ["--database-url", url, "tokens", "list", "ana"])
    assert "portal" in listed.output and "active" in listed.output
    revoked = runner.invoke(cli, ["--database-url", url, "tokens", "revoke", str(token["id"])])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    session.expire_all()
    assert authenticate_token(session, token["token"]).username == "ana"  # within the second
    session.rollback()
    fake_clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        authenticate_token(session, token["token"])
    session.rollback()
    missing = runner.invoke(cli, ["--database-url", url, "tokens", "revoke", "999"])
    assert missing.exit_code == 1 and "unknown token 999" in missing.output


def test_a_token_stands_for_the_same_actor_as_a_sign_in(session: Session) -> None:
    """One statement reads the token's user with groups, bodies (and roles) and organisation:
    exactly what engine.access.users.actor finds."""
    from engine.access.bodies import add_member, ensure_body, ensure_organisation, set_organisation
    from engine.access.users import actor, create_user

    create_user(session, "di", groups=["committee", "proposing_entity"], password="secret-pw")
    create_user(session, "cy", groups=[], password="secret-pw")
    ensure_body(session, "committee.tourism", "Tourism Committee", "committee")
    ensure_body(session, "committee.trade", "Trade Committee", "committee")
    ensure_organisation(session, "iran_chamber", "Iran Chamber of Commerce", "chamber")
    set_organisation(session, "di", "iran_chamber")
    add_member(session, "committee.tourism", "di", role="chair")
    add_member(session, "committee.trade", "org:iran_chamber")
    session.flush()
    for name in ("di", "cy"):
        found = authenticate_token(session, create_token(session, name).secret)
        assert found == actor(session, name)
    di = authenticate_token(session, create_token(session, "di").secret)
    assert di.groups == {"committee", "proposing_entity"} and di.organisations == {"iran_chamber"}
    assert di.bodies == {"committee.tourism", "committee.tourism#chair", "committee.trade",
                         "committee.trade#member"}
