"""The inbox page: tabs with counts, filters, search, sort, pagination, overdue."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine import clock
from tests.engine.read.test_inbox import add_case, add_task

Login = Callable[[str], FlaskClient]


def task_names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/tasks/\d+">([^<]+)</a></td>', html)


def make_tasks(factory: sessionmaker[Any], count: int = 30) -> None:
    with factory() as session:
        now = clock.now()
        case = add_case(session, title="Tourism committee", business_key="TOR-9",
                        started_by="sec_wang")
        other = add_case(session, title="Sports academy", business_key="AWP-1", started_by="quanzhou")
        for i in range(count):
            add_task(session, case if i % 2 else other, f"Review {i:02d}", groups=("secretariat",),
                     created_at=now - timedelta(hours=count - i),
                     due_at=now - timedelta(hours=1) if i == 7 else now + timedelta(days=i + 1))
        add_task(session, case, "Mine", assignee="sec_wang", groups=("secretariat",))
        session.commit()


def test_tabs_show_counts(login_as: Login, seeded: sessionmaker[Any]) -> None:
    make_tasks(seeded)
    html = login_as("sec_wang").get("/inbox/").get_data(as_text=True)
    counts = dict(re.findall(r'>([^<>]+) <span class="count">(\d+)</span>', html))
    assert counts == {"My tasks": "1", "My groups&#39; tasks": "30", "Cases I started": "1"}
    assert task_names(html) == ["Mine"]


def test_pagination_and_sort(app: Flask, login_as: Login, seeded: sessionmaker[Any]) -> None:
    make_tasks(seeded)
    client = login_as("sec_wang")
    first = client.get("/inbox/?tab=claimable").get_data(as_text=True)
    assert task_names(first) == [f"Review {i:02d}" for i in range(25)]
    assert 'href="/inbox/?tab=claimable&amp;page=2"' in first
    second = client.get("/inbox/?tab=claimable&page=2").get_data(as_text=True)
    assert task_names(second) == [f"Review {i:02d}" for i in range(25, 30)]
    newest = client.get("/inbox/?tab=claimable&sort=-created").get_data(as_text=True)
    assert task_names(newest)[0] == "Review 29"
    by_name = client.get("/inbox/?tab=claimable&sort=-name").get_data(as_text=True)
    assert task_names(by_name)[0] == "Review 29"
    by_due = client.get("/inbox/?tab=claimable&sort=due").get_data(as_text=True)
    assert task_names(by_due)[0] == "Review 07"
    assert client.get("/inbox/?tab=claimable&page=abc&sort=evil").status_code == 200


def test_filters_and_overdue(login_as: Login, seeded: sessionmaker[Any]) -> None:
    make_tasks(seeded)
    client = login_as("sec_wang")
    overdue = client.get("/inbox/?tab=claimable&overdue=1").get_data(as_text=True)
    assert task_names(overdue) == ["Review 07"]
    assert 'class="overdue"' in overdue and "overdue</span>" in overdue
    by_key = client.get("/inbox/?tab=claimable&q=tor-9").get_data(as_text=True)
    assert len(task_names(by_key)) == 15 and "15 found" in by_key
    by_title = client.get("/inbox/?tab=claimable&q=sports").get_data(as_text=True)
    assert len(task_names(by_title)) == 15
    assert "Clear filters" in by_title
    wrong_process = client.get("/inbox/?tab=claimable&process=task_force").get_data(as_text=True)
    assert task_names(wrong_process) == [] and "No task matches these filters." in wrong_process


def test_started_tab_lists_cases(login_as: Login, seeded: sessionmaker[Any]) -> None:
    make_tasks(seeded, count=4)
    html = login_as("quanzhou").get("/inbox/?tab=started").get_data(as_text=True)
    assert "AWP-1 · Sports academy" in html and "Review 00, Review 02" in html
    empty = login_as("iran_chamber").get("/inbox/?tab=started").get_data(as_text=True)
    assert "You have not started any case yet." in empty


def test_times_are_shown_in_the_users_time_zone(login_as: Login, seeded: sessionmaker[Any],
                                                fake_clock: clock.FakeClock) -> None:
    with seeded() as session:
        case = add_case(session, title="T", started_by="quanzhou")
        add_task(session, case, "Timed", assignee="quanzhou")  # 2026-01-01 09:00 UTC
        from engine.access.users import get_user
        get_user(session, "quanzhou").timezone = "Asia/Shanghai"
        session.commit()
    html = login_as("quanzhou").get("/inbox/").get_data(as_text=True)
    assert "Jan 1, 2026, 17:00 GMT+8" in html and "Asia/Shanghai" in html  # CLDR en, zone named
