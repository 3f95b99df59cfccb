"""Password hashing: production keeps scrypt's real cost; only a runtime built otherwise (the
test suite's) hashes cheaply, and every hash checks whatever cost made it."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.access.passwords import PRODUCTION_COST, ScryptCost, check_password, cost_of, hash_password
from engine.access.users import create_user, get_user, set_password
from engine.bootstrap import build_runtime, runtime_of_factory, session_factory
from engine.cli.app import cli
from engine.runtime.context import Runtime
from tests.databases import TEST_PASSWORD_COST
from web import create_app


def test_production_cost_is_scrypts_real_one() -> None:
    assert ScryptCost(n=2**14, r=8, p=1) == PRODUCTION_COST
    assert build_runtime().password_cost == PRODUCTION_COST


def test_a_default_runtime_hashes_at_production_cost(db_engine: Engine) -> None:
    with session_factory(db_engine, build_runtime())() as session:
        create_user(session, "ana", password="s3cret-pw")
        stored = get_user(session, "ana").password_hash
    assert stored is not None and stored.startswith("scrypt$16384$8$1$")
    assert cost_of(stored) == PRODUCTION_COST
    assert check_password(stored, "s3cret-pw") and not check_password(stored, "s3cret-px")


def test_the_app_and_the_cli_keep_the_production_cost(db_engine: Engine) -> None:
    app = create_app({"DB_ENGINE": db_engine, "SECRET_KEY": "test-secret-key-1234"})
    assert runtime_of_factory(app.extensions["alliance_db"]).password_cost == PRODUCTION_COST
    url = db_engine.url.render_as_string(hide_password=False)
    added = CliRunner().invoke(cli, ["--database-url", url, "users", "add", "bo", "--password", "pw-of-bo"])
    assert added.exit_code == 0, added.output
    with session_factory(db_engine, build_runtime())() as session:
        stored = get_user(session, "bo").password_hash
    assert stored is not None and cost_of(stored) == PRODUCTION_COST


def test_the_suites_runtime_hashes_cheaply_by_configuration(session: Session, runtime: Runtime) -> None:
    assert runtime.password_cost == TEST_PASSWORD_COST != PRODUCTION_COST
    create_user(session, "ana", password="first-pw")
    set_password(session, "ana", "second-pw")
    stored = get_user(session, "ana").password_hash
    assert stored is not None and cost_of(stored) == TEST_PASSWORD_COST
    assert check_password(stored, "second-pw") and not check_password(stored, "first-pw")


def test_a_hash_checks_at_the_cost_it_names() -> None:
    cheap = hash_password("pw", ScryptCost(n=4, r=1, p=1))
    assert cheap.startswith("scrypt$4$1$1$") and check_password(cheap, "pw")
    assert not check_password(None, "pw") and not check_password("md5$abc", "pw")


@pytest.mark.parametrize("bad", [{"n": 1}, {"n": 3}, {"n": 1000}, {"r": 0}, {"p": 0}])
def test_a_cost_scrypt_cannot_use_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="scrypt"):
        ScryptCost(**bad)
