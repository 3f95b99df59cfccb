"""Production settings: read from the environment, unsafe combinations refused by name."""

from __future__ import annotations

from typing import Any

import pytest

from web.config import ConfigError, defaults, finish, from_environment

GOOD = {"ALLIANCE_ENV": "production", "SECRET_KEY": "a-long-and-random-production-key",
        "DATABASE_URL": "postgresql+psycopg://app:pw@db:5432/alliance"}


def settle(**values: Any) -> dict[str, Any]:
    return finish({**defaults(), **from_environment({**GOOD, **values})})


def test_the_environment_gives_every_setting() -> None:
    config = settle(DB_POOL_SIZE="12", DB_MAX_OVERFLOW="3", TRUSTED_PROXIES="2", LOG_LEVEL="warning",
                    SMTP_URL="smtps://mailer:pw@mail.example.org:465", METRICS_TOKEN="m" * 20)
    assert (config["DB_POOL_SIZE"], config["DB_MAX_OVERFLOW"], config["TRUSTED_PROXIES"]) == (12, 3, 2)
    assert config["LOG_LEVEL"] == "WARNING" and config["LOG_FORMAT"] == "json"
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SMTP_URL"].startswith("smtps://") and config["METRICS_TOKEN"] == "m" * 20
    development = finish({**defaults(), **from_environment({})})
    assert development["SESSION_COOKIE_SECURE"] is False and development["LOG_FORMAT"] == "text"


@pytest.mark.parametrize(("values", "named"), [
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SESSION_COOKIE_SECURE": "false"}, "SESSION_COOKIE_SECURE"),
    ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
    ({"DATABASE_URL": "sqlite:///:memory:"}, "in-memory"),
    ({"SMTP_URL": "smtp://mailer:secret@mail.example.org:25"}, "smtps://"),
    ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
])
def test_production_refuses_unsafe_combinations(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        settle(**values)


def test_a_local_relay_may_take_a_password_over_plain_smtp() -> None:
    assert settle(SMTP_URL="smtp://mailer:pw@localhost:25")["SMTP_URL"].startswith("smtp://")


@pytest.mark.parametrize(("values", "named"), [
    ({"DB_POOL_SIZE": "many"}, "DB_POOL_SIZE"),
    ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE"),
    ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"SMTP_URL": "http://mail"}, "SMTP_URL"),
    ({"SESSION_COOKIE_SECURE": "perhaps"}, "SESSION_COOKIE_SECURE"),
])
def test_any_mode_refuses_malformed_values(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        finish({**defaults(), **from_environment(values)})
