"""`alliance registry list|show` prints the registry the processes keep, changes included."""

from __future__ import annotations

import json

from click.testing import CliRunner

from engine.cli import commands  # noqa: F401
from engine.cli.app import cli, load_plugins
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_committee import (
    NEW_COMMITTEE,
    all_partners_endorse,
    name_representatives,
    propose,
    tor,
)

__all__ = ["handler_registry", "world"]

load_plugins()


def alliance(world: World, *args: str) -> str:
    world.session.commit()
    url = world.session.get_bind().engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_registry_list_and_show_print_what_the_processes_wrote(world: World) -> None:
    for partners in (["iran_chamber"], ["mongolia_logistics"]):
        case_id = propose(world, tor(partners=partners))
        all_partners_endorse(world, case_id, partners)
        review = {"review_decision": "approve"}
        if partners == ["mongolia_logistics"]:
            review["existing_committee_action"] = "amend"
        world.complete("sec_wang", case_id, "review_tor", review)
        name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")

    listed = json.loads(alliance(world, "--json", "registry", "list"))
    committees = {c["name"]: c for c in listed["committees"]}
    assert committees[NEW_COMMITTEE]["status"] == "established"
    assert committees["Tourism"]["status"] == "preparatory" and len(committees) == 15
    assert {m["name"] for m in listed["business_council"]} >= {"Tianhong Industrial Zone Co."}
    assert set(listed) == {"committees", "business_council", "initiatives", "work_plans"}

    text = alliance(world, "registry", "list", "--section", "committees")
    assert NEW_COMMITTEE in text and "Business Council (" not in text

    shown = json.loads(alliance(world, "--json", "registry", "show", NEW_COMMITTEE.lower()))
    assert [c["kind"] for c in shown["changes"]] == ["created", "amended"]
    assert shown["partner_institutions"] == ["mongolia_logistics"]
    assert shown["board_representatives"] == ["Li Wei (Quanzhou)", "Anna Huber (Bavaria)"]
    human = alliance(world, "registry", "show", NEW_COMMITTEE)
    assert "amended" in human and "partner_institutions: ['iran_chamber'] -> ['mongolia_logistics']" in human


def test_registry_show_names_an_unknown_committee(world: World) -> None:
    world.session.commit()
    url = world.session.get_bind().engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database-url", url, "registry", "show", "Nowhere"])
    assert result.exit_code == 1 and "no committee 'Nowhere'" in result.output
