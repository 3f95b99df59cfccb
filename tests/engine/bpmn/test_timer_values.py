"""Timer values: SpiffWorkflow's results in closed form, bounded to 100 years."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.bpmn import timer_values
from engine.bpmn.timer_values import TimerValueError
from engine.runtime import spiff_bounds


def _spiff(name: str, *args: Any) -> Any:
    """SpiffWorkflow 3.2.0's own function, as shipped (engine.runtime.spiff_bounds replaces it)."""
    return spiff_bounds.ORIGINAL_TIMER_FUNCTIONS[name](*args)


def test_months_and_years_match_spiffworkflow_from_start_and_from_end() -> None:
    rng = random.Random(14)
    for _ in range(2000):
        moment = datetime(rng.randint(1990, 2060), rng.randint(1, 12), rng.randint(1, 28),
                          rng.randint(0, 23), tzinfo=UTC)
        text = f"P{rng.randint(0, 5)}Y{rng.randint(0, 30)}M{rng.randint(0, 40)}DT{rng.randint(0, 30)}H"
        parsed = timer_values.parse_duration(text)
        assert parsed == _spiff("parse_iso_duration", text)
        assert timer_values.timedelta_from_start(parsed, moment) == \
            _spiff("get_timedelta_from_start", _spiff("parse_iso_duration", text), moment)
        assert timer_values.timedelta_from_end(parsed, moment) == \
            _spiff("get_timedelta_from_end", _spiff("parse_iso_duration", text), moment)


@pytest.mark.parametrize("text", ["PT1.5H", "P2W", "PT10M", "p1d", "P1,5D", "PT0.1S", "P1Y"])
def test_spiffworkflow_grammar(text: str) -> None:
    assert timer_values.parse_duration(text) == _spiff("parse_iso_duration", text)


def test_a_fraction_of_a_month_counts_the_following_month() -> None:
    start = datetime(2027, 1, 10, tzinfo=UTC)
    assert timer_values.timedelta_from_start(timer_values.parse_duration("P1.5M"), start) == \
        timedelta(days=31 + 14)


@pytest.mark.parametrize(("text", "reason"), [
    ("P99999999999999Y", "longer than 100 years"),
    ("P101Y", "longer than 100 years"),
    ("P1201M", "longer than 100 years"),
    ("PT999999999H", "longer than 100 years"),
    ("P99Y12M40D", "longer than 100 years"),
    ("P" + "9" * 5000 + "D", "too long to be a duration"),
    ("P", "not an ISO 8601 duration"),
    ("PT", "not an ISO 8601 duration"),
    ("-P1D", "not an ISO 8601 duration"),
    ("P1.5Y2M", "only the last part"),
    ("P1W2D", "mixes weeks"),
])
def test_durations_refused(text: str, reason: str) -> None:
    with pytest.raises(TimerValueError, match=reason):
        timer_values.timedelta_from_start(timer_values.parse_duration(text))


def test_refusing_a_huge_duration_takes_no_loop() -> None:
    """`P99999999999999Y` made SpiffWorkflow step month by month for ever."""
    with pytest.raises(TimerValueError):
        spiff_bounds.install_timers()
        spiff_timer.TimerEventDefinition.get_timedelta_from_start(
            spiff_timer.TimerEventDefinition.parse_iso_duration("P99999999999999Y"))


def test_dates() -> None:
    reference = datetime(2027, 1, 1, tzinfo=UTC)
    assert timer_values.parse_date("2027-01-15T09:00:00+08:00", reference=reference) == \
        datetime(2027, 1, 15, 1, tzinfo=UTC)
    assert timer_values.parse_date("2027-W03-1", reference=reference).date().isoformat() == \
        "2027-01-18"
    with pytest.raises(TimerValueError, match="more than 100 years away"):
        timer_values.parse_date("9999-12-31", reference=reference)
    with pytest.raises(TimerValueError, match="more than 100 years away"):
        timer_values.parse_date("0001-01-01T00:00:00-12:00", reference=reference)
    with pytest.raises(TimerValueError, match="not an ISO 8601 date"):
        timer_values.parse_date("tomorrow", reference=reference)


def test_cycles() -> None:
    cycles, start, interval = timer_values.parse_cycle("R3/2027-01-01T00:00:00Z/PT10M")
    assert (cycles, start, interval) == (3, datetime(2027, 1, 1, tzinfo=UTC), timedelta(minutes=10))
    assert timer_values.parse_cycle("R/P1D")[0] == -1
    for text, reason in [("R10001/PT1H", "repeats more than 10000 times"),
                         ("R99999999999999999999/PT1H", "repeats more than"),
                         ("R/PT0S", "longer than zero"), ("R/P101Y", "longer than 100 years"),
                         ("P1D", "not an ISO 8601 cycle"), ("Rx/P1D", "whole number")]:
        with pytest.raises(TimerValueError, match=reason):
            timer_values.parse_cycle(text)


@pytest.mark.parametrize(("kind", "value", "reason"), [
    ("timeDuration", "P30D", None), ("timeDate", "2027-01-15T09:00:00Z", None),
    ("timeCycle", "R/P1M", None),
    ("timeDuration", "P99999999999999Y", "longer than 100 years"),
    ("timeDuration", "2027-01-15", "is not a duration"),
    ("timeDate", "P1D", "is a duration; use timeDuration"),
    ("timeDate", "9999-12-31", "more than 100 years away"),
    ("timeCycle", "R/PT0S", "longer than zero"),
])
def test_deploy_time_check(kind: str, value: str, reason: str | None) -> None:
    found = timer_values.check(kind, value)
    assert (found is None) if reason is None else (reason in (found or ""))
