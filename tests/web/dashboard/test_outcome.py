"""The end a case reached is part of the case: committee establishment's outcomes (established,
rejected, refused, amended) on the case row, the dashboard (a column and a filter), the case page,
the CSV export and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask.testing import FlaskClient

from engine.read.dashboard import CaseFilters, case_page, outcomes
from engine.store.models import Case
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_committee import (
    all_partners_endorse,
    name_representatives,
    propose,
    secretariat_reviews,
    tor,
)
from tests.web.api.conftest import ApiClient

__all__ = ["handler_registry", "world"]


def finished(world: World) -> dict[str, int]:
    established = propose(world, tor())
    all_partners_endorse(world, established)
    secretariat_reviews(world, established, "approve")
    name_representatives(world, established, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")

    rejected = propose(world, tor("Ocean Science"))
    all_partners_endorse(world, rejected)
    secretariat_reviews(world, rejected, "reject", "Out of scope.")

    refused = propose(world, tor())
    all_partners_endorse(world, refused)
    world.complete("sec_wang", refused, "review_tor",
                   {"review_decision": "approve", "existing_committee_action": "refuse"})

    amended = propose(world, tor(partners=["mongolia_logistics"]))
    all_partners_endorse(world, amended, ["mongolia_logistics"])
    world.complete("sec_wang", amended, "review_tor",
                   {"review_decision": "approve", "existing_committee_action": "amend"})
    name_representatives(world, amended, "Bat-Erdene (Ulaanbaatar)", "Li Wei (Quanzhou)")

    running = propose(world, tor("Blue Economy"))
    return {"established": established, "rejected": rejected, "refused": refused,
            "amended": amended, "running": running}


def test_each_case_keeps_the_end_it_reached(world: World) -> None:
    cases = finished(world)
    world.session.expire_all()
    got = {name: world.session.get(Case, case_id).outcome for name, case_id in cases.items()}  # type: ignore[union-attr]
    assert got == {"established": "established", "rejected": "rejected", "refused": "refused",
                   "amended": "amended", "running": None}
    assert world.case(cases["refused"]).status == "completed"
    assert world.case(cases["amended"]).outcome == "amended"  # the handler's word wins
    assert outcomes(world.session, "committee_establishment") == [
        "amended", "established", "refused", "rejected"]
    page = case_page(world.session, world.as_user("sec_wang"), CaseFilters(outcome="rejected"))
    assert [r.case_id for r in page.rows] == [cases["rejected"]] and page.rows[0].outcome == "rejected"


def test_dashboard_csv_and_api_show_and_filter_the_outcome(
        world: World, login_as: Callable[[str], FlaskClient]) -> None:
    cases = finished(world)
    world.session.commit()
    client = login_as("sec_wang")

    listed = client.get("/cases/list?outcome=established").get_data(as_text=True)
    assert f'data-case-id="{cases["established"]}"' in listed
    assert f'data-case-id="{cases["rejected"]}"' not in listed
    assert 'data-outcome="established"' in listed and 'id="outcome-filter"' in listed

    page = client.get(f"/cases/{cases['refused']}").get_data(as_text=True)
    assert 'id="case-outcome">refused<' in page

    exported = client.get("/cases/export.csv?process=committee_establishment").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    column = rows[0].index("Outcome")
    by_id = {row[0]: row[column] for row in rows[1:]}
    assert by_id[str(cases["amended"])] == "amended" and by_id[str(cases["running"])] == ""

    api = ApiClient(client, world.factory)
    found = api.get("/process-instances?outcome=rejected", "sec_wang").get_json()
    assert [item["id"] for item in found["items"]] == [cases["rejected"]]
    assert found["items"][0]["outcome"] == "rejected"
    one = api.get(f"/process-instances/{cases['established']}", "sec_wang").get_json()
    assert one["outcome"] == "established"
