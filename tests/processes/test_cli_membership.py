"""`alliance members`: the Alliance's members and their committee seats with their cases."""

from __future__ import annotations

from typing import Any

from tests.engine.test_cli import as_json, run

__all__ = ["run"]


def test_members_lists_members_and_their_seats(run: Any) -> None:
    assert run("members").stdout.strip() == "no members"
    run("seed", "--demo")
    out = as_json(run("members", "--json"))["members"]
    by_name = {m["name"]: m for m in out}
    quanzhou = by_name["Quanzhou Municipal Government"]
    assert quanzhou["status"] == "member" and quanzhou["kind"] == "city" and quanzhou["cases"] == []
    assert [(s["committee"], s["status"]) for s in quanzhou["seats"]] == [("Investment and Trade", "active")]
    assert by_name["Colombo Municipal Council"]["seats"] == []
    text = run("members").stdout
    assert "Iran Chamber of Commerce (institution, Iran): member since 2016-05-01" in text
    assert "  Smart Cities and Emerging Industries: active since 2016-05-01" in text
