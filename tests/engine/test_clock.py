"""One clock for the engine, SpiffWorkflow's timers and the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import clock
from engine.runtime.spiff_patches import collapse_missed

UTC = UTC


def test_set_clock_returns_previous_and_restores() -> None:
    fake = clock.FakeClock(datetime(2030, 5, 1, tzinfo=UTC))
    previous = clock.set_clock(fake)
    try:
        assert clock.now() == datetime(2030, 5, 1, tzinfo=UTC)
        fake.advance(timedelta(days=1))
        assert clock.get_clock().now() == datetime(2030, 5, 2, tzinfo=UTC)
    finally:
        clock.set_clock(previous)
    assert clock.get_clock() is previous


def test_spiff_timer_module_reads_the_engine_clock(fake_clock: clock.FakeClock) -> None:
    assert spiff_timer.datetime.now(UTC) == fake_clock.now()
    fake_clock.advance(timedelta(days=400))
    assert spiff_timer.datetime.now(UTC) == fake_clock.now()
    assert isinstance(datetime(2020, 1, 1), spiff_timer.datetime)  # Spiff's isinstance checks still work


def test_calendar_durations_count_from_the_fake_now(fake_clock: clock.FakeClock) -> None:
    fake_clock.set(datetime(2028, 2, 1, tzinfo=UTC))  # a leap year
    one_year = TimerEventDefinition.get_timedelta_from_start(
        TimerEventDefinition.parse_iso_duration("P1Y"))
    one_month = TimerEventDefinition.get_timedelta_from_start(
        TimerEventDefinition.parse_iso_duration("P1M"))
    assert one_year == timedelta(days=366) and one_month == timedelta(days=29)
    cycles, start, step = TimerEventDefinition.parse_iso_recurring_interval("R/P1M")
    assert cycles == -1 and start == datetime(2028, 3, 1, tzinfo=UTC) and step == timedelta(days=29)


def _cycle(next_at: datetime, cycles: int, hours: float = 1) -> dict[str, object]:
    return {"cycles": cycles, "next": next_at.isoformat(), "duration": hours * 3600}


def test_collapse_missed_keeps_one_firing_on_the_schedule() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    value = collapse_missed(_cycle(t0, -1), t0 + timedelta(hours=5, minutes=30))
    assert value["next"] == (t0 + timedelta(hours=5)).isoformat() and value["cycles"] == -1
    bounded = collapse_missed(_cycle(t0, 3), t0 + timedelta(hours=10))
    assert bounded["cycles"] == 1 and bounded["next"] == (t0 + timedelta(hours=2)).isoformat()
    exact = collapse_missed(_cycle(t0, -1), t0 + timedelta(hours=2))  # occurrence exactly now
    assert exact["next"] == (t0 + timedelta(hours=1)).isoformat()
    future = collapse_missed(_cycle(t0, -1), t0 - timedelta(minutes=1))
    assert future["next"] == t0.isoformat()
