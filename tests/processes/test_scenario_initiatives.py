"""Initiatives incubated into task forces, three at once, each linked to its own.

A committee's action plan yields an initiative; Quanzhou and Chongqing commit; the Secretariat
decides on incubation and records the cooperation agreement; the incubated initiative throws
`start_task_force`, which starts a `task_force` case; the task force's `task_force_established`
message comes back to its own initiative only (correlated by `initiative_id`). The task force
reports every quarter until it closes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from engine.store.models import Case, Job, JobKind, OutboxMessage
from processes.registry import (
    RegistryCommittee,
    RegistryInitiative,
    RegistryTaskForce,
    RegistryTaskForceReport,
)
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

CITIES = ["quanzhou", "chongqing"]
EXPORT_ZONE: dict[str, Any] = {
    "initiative_title": "Cross-border e-commerce export industrial zone",
    "committee_name": "Investment and Trade", "action_plan_reference": "I&T action plan 2018, item 2",
    "initiative_description": "An export zone where member-city companies sell abroad online.",
    "partner_cities": CITIES, "expected_results": "30 exporters in the first year.",
    "estimated_budget": 400000,
}
SPORTS_ACADEMY: dict[str, Any] = {
    "initiative_title": "Silk Road Sports Academy",
    "committee_name": "Sports and Outdoor Activities", "action_plan_reference": "Sports action plan 2018",
    "initiative_description": "A network academy for coaches, with youth sports exchanges.",
    "partner_cities": ["quanzhou"], "estimated_budget": 100000,
}
SMART_CITY_FORUM: dict[str, Any] = {
    "initiative_title": "Bavaria-Chongqing Smart City Cooperation Forum",
    "committee_name": "Smart Cities and Emerging Industries",
    "initiative_description": "A yearly forum pairing Bavarian and Chongqing smart-city companies.",
    "partner_cities": ["chongqing"],
}


def propose(world: World, focal_point: str, proposal: dict[str, Any]) -> int:
    case = world.start(focal_point, "initiative_incubation", proposal)
    initiative = world.one(RegistryInitiative, case_id=case.id)
    assert initiative.status == "proposed" and world.data(case.id)["initiative_id"] == initiative.id
    return case.id


def cities_commit(world: World, case_id: int, cities: list[str]) -> None:
    assert sorted(str(t.assignee) for t in world.open_tasks(case_id, "commit_partner_city")) == sorted(cities)
    for city in cities:
        world.complete(city, case_id, "commit_partner_city",
                       {"commitment_decision": "commit", "commitment_contribution": f"{city}: staff, venue"})
    assert world.open_elements(case_id) == ["decide_incubation"]


def incubate(world: World, case_id: int, title: str) -> int:
    """The Secretariat incubates and records the agreement; returns the task force's case id."""
    world.complete("sec_wang", case_id, "decide_incubation", {"incubation_decision": "incubate"})
    assert world.one(RegistryInitiative, case_id=case_id).status == "incubated"
    world.complete("sec_silva", case_id, "record_agreement", {
        "agreement_status": "signed", "agreement_title": f"Cooperation agreement: {title}",
        "agreement_signed_on": "2018-06-12",
        "signed_at_cities_forum": True, "agreement_signatories": "Quanzhou\nChongqing"})
    return task_force_of(world, case_id)


def task_force_of(world: World, initiative_case_id: int) -> int:
    world.session.expire_all()
    [child] = world.session.scalars(select(Case.id).where(Case.parent_case_id == initiative_case_id,
                                                         Case.process_id == "task_force")).all()
    return child


def appoint(world: World, task_force_case: int, lead: str) -> None:
    world.complete("committee_trade", task_force_case, "appoint_task_force", {
        "task_force_lead": lead,
        "task_force_members": f"{lead}\nQuanzhou trade bureau\nChongqing trade bureau",
        "task_force_mandate": "Carry the initiative to its results."})


def quarterly_reports(world: World, task_force_case: int) -> list[int]:
    return [t.id for t in world.open_tasks(task_force_case, "quarterly_report")]


def timer_job(world: World, case_id: int) -> Job | None:
    jobs = [j for j in world.jobs(case_id) if j.kind == JobKind.TIMER]
    return jobs[0] if jobs else None


def test_three_initiatives_each_get_their_own_task_force(world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    academy = propose(world, "committee_sports", SPORTS_ACADEMY)
    forum = propose(world, "committee_trade", SMART_CITY_FORUM)
    cities_commit(world, zone, CITIES)
    cities_commit(world, academy, ["quanzhou"])
    cities_commit(world, forum, ["chongqing"])

    task_forces = {case: incubate(world, case, title) for case, title in (
        (zone, EXPORT_ZONE["initiative_title"]), (academy, SPORTS_ACADEMY["initiative_title"]),
        (forum, SMART_CITY_FORUM["initiative_title"]))}
    initiative_ids = {case: world.data(case)["initiative_id"] for case in task_forces}
    assert len(set(initiative_ids.values())) == 3
    for initiative_case, task_force_case in task_forces.items():
        tf = world.case(task_force_case)
        assert tf.status == "running" and tf.started_by is None  # started by the message
        assert tf.data["initiative"]["initiative_id"] == initiative_ids[initiative_case]
        assert world.open_elements(task_force_case) == ["appoint_task_force"]
        assert world.waiting_for(initiative_case) == ["task_force_established"]
        agreement = world.one(RegistryInitiative, case_id=initiative_case).agreement
        assert agreement is not None and agreement["signed_at_cities_forum"] is True
        assert agreement["signatories"] == ["Quanzhou", "Chongqing"]

    # The academy's task force is appointed first: its message reaches the academy only.
    appoint(world, task_forces[academy], "Liu Yang (Quanzhou Sports Bureau)")
    assert world.open_elements(academy) == ["monitor_implementation"]
    assert world.data(academy)["task_force"]["task_force_lead"] == "Liu Yang (Quanzhou Sports Bureau)"
    assert world.one(RegistryInitiative, case_id=academy).status == "implementing"
    for still_waiting in (zone, forum):
        assert world.open_elements(still_waiting) == []
        assert world.waiting_for(still_waiting) == ["task_force_established"]
        assert world.one(RegistryInitiative, case_id=still_waiting).status == "incubated"
    world.session.expire_all()
    [established] = world.session.scalars(select(OutboxMessage).where(
        OutboxMessage.name == "task_force_established")).all()
    assert established.delivered_to == [academy]

    appoint(world, task_forces[forum], "Anna Huber (Bavaria-Chongqing Forum)")
    appoint(world, task_forces[zone], "Chen Jie (Quanzhou Commerce Bureau)")
    for initiative_case, task_force_case in task_forces.items():
        assert world.open_elements(initiative_case) == ["monitor_implementation"]
        assert world.data(initiative_case)["task_force"]["task_force_id"] == \
            world.data(task_force_case)["task_force_id"]
        row = world.one(RegistryTaskForce, case_id=task_force_case)
        assert row.initiative_id == initiative_ids[initiative_case] and row.status == "active"
        assert world.open_elements(task_force_case) == ["run_task_force"]
    assert world.one(RegistryInitiative, case_id=zone).committee_id == \
        world.one(RegistryCommittee, name="Investment and Trade").id


def test_quarterly_reports_closure_and_the_catch_up_rule(world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    cities_commit(world, zone, CITIES)
    task_force = incubate(world, zone, EXPORT_ZONE["initiative_title"])
    appoint(world, task_force, "Chen Jie (Quanzhou Commerce Bureau)")
    tf_row = world.one(RegistryTaskForce, case_id=task_force)

    # A quarter passes: one report is due.
    first = timer_job(world, task_force)
    assert first is not None
    first_due = first.due_at
    world.advance(days=80)
    assert quarterly_reports(world, task_force) == []
    world.advance(days=12)
    assert len(quarterly_reports(world, task_force)) == 1
    second = timer_job(world, task_force)
    assert second is not None
    quarter = second.due_at - first_due
    assert timedelta(days=89) <= quarter <= timedelta(days=92)
    assert world.open_elements(task_force) == ["quarterly_report", "run_task_force"]
    world.complete("committee_trade", task_force, "quarterly_report", {
        "report_quarter": "2018-Q2", "progress_summary": "Site chosen; 12 exporters registered.",
        "issues": "Customs procedures.", "next_steps": "Open the zone's online shop."})
    assert quarterly_reports(world, task_force) == []
    # The report is in the registry (the case data sees it once the task force's work ends).
    assert [r.quarter for r in world.all(RegistryTaskForceReport, task_force_id=tf_row.id)] == ["2018-Q2"]

    # Nine months of downtime: the missed quarters collapse into ONE report task (the engine's
    # rule, engine/spiff_patches.py: missed occurrences fire once; the next stays on schedule).
    world.advance(days=270)
    assert len(quarterly_reports(world, task_force)) == 1
    job = timer_job(world, task_force)
    assert job is not None and world.clock.now() < job.due_at <= world.clock.now() + quarter
    assert (job.due_at - first_due) % quarter == timedelta(0)  # still on the original schedule
    world.complete("committee_trade", task_force, "quarterly_report", {
        "report_quarter": "2019-Q1", "progress_summary": "30 exporters; first shipments to Jakarta."})
    reports = world.all(RegistryTaskForceReport, task_force_id=tf_row.id)
    assert [r.quarter for r in reports] == ["2018-Q2", "2019-Q1"]
    data = world.data(task_force)
    assert not [k for k, v in data.items() if isinstance(v, list) and len(v) > 2], data

    # The task force closes by its own report; then the Secretariat closes the initiative, which
    # receives the task force's closure (handed over) and sends nothing to a closed task force.
    world.complete("committee_trade", task_force, "run_task_force", {
        "closure_summary": "Zone open with 30 exporters.", "results_achieved": "USD 4m exports."})
    view = world.case(task_force)
    assert view.status == "completed" and view.open_tasks == []
    assert timer_job(world, task_force) is None  # no more quarters
    closed = world.one(RegistryTaskForce, case_id=task_force)
    assert closed.status == "closed" and closed.closure_summary == "Zone open with 30 exporters."
    assert closed.outcome == "completed"
    world.complete("sec_wang", zone, "monitor_implementation",
                   {"implementation_outcome": "completed",
                    "outcome_summary": "The zone is open and trading."})
    assert world.case(zone).status == "completed" and world.incidents(zone) == []
    assert [h.element_id for h in world.history(zone)][-1:] != ["throw_initiative_closed"]
    initiative = world.one(RegistryInitiative, case_id=zone)
    assert (initiative.status, initiative.outcome) == ("closed", "completed")
    assert world.data(zone)["task_force_closure"]["closure_summary"] == "Zone open with 30 exporters."
    world.advance(days=100)
    assert len(world.all(RegistryTaskForceReport, task_force_id=tf_row.id)) == 2


def test_a_rejected_initiative_starts_no_task_force(world: World) -> None:
    forum = propose(world, "committee_trade", SMART_CITY_FORUM)
    world.complete("chongqing", forum, "commit_partner_city",
                   {"commitment_decision": "decline", "commitment_contribution": "No budget in 2018."})
    assert world.data(forum)["commitments"] == ["decline"]
    world.complete("sec_wang", forum, "decide_incubation", {
        "incubation_decision": "reject", "last_review_comment": "No partner city committed."})

    view = world.case(forum)
    assert view.status == "completed" and view.open_tasks == []
    initiative = world.one(RegistryInitiative, case_id=forum)
    assert initiative.status == "rejected" and initiative.agreement is None
    world.session.expire_all()
    assert world.session.scalars(select(Case).where(Case.process_id == "task_force")).all() == []
    assert world.session.scalars(select(OutboxMessage)).all() == []
    assert world.all(RegistryTaskForce) == []
    assert world.waiting_for(forum) == []


def test_a_task_force_cannot_be_started_by_hand(world: World) -> None:
    from engine.access.start_rights import may_start

    assert not may_start(world.session, world.as_user("committee_trade"), "task_force")
    assert may_start(world.session, world.as_user("committee_trade"), "initiative_incubation")
    assert not may_start(world.session, world.as_user("quanzhou"), "initiative_incubation")


def test_initiative_cases_are_titled_with_the_initiative_and_task_forces_carry_its_key(world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    view = world.case(zone)
    initiative_id = view.data["initiative_id"]
    assert view.title == EXPORT_ZONE["initiative_title"]  # not its committee's name
    assert view.data["initiative_key"] == f"INI-{initiative_id}"
    cities_commit(world, zone, CITIES)
    task_force_case = incubate(world, zone, EXPORT_ZONE["initiative_title"])
    appoint(world, task_force_case, "committee_trade")
    tf = world.case(task_force_case)
    assert tf.title == f"Task force: {EXPORT_ZONE['initiative_title']}"
    assert tf.data["initiative_key"] == f"INI-{initiative_id}"
    assert tf.data["initiative_case_id"] == zone  # the link back to the initiative's case
    assert world.case(zone).title == EXPORT_ZONE["initiative_title"]


def test_closing_the_initiative_closes_its_task_force_and_cancels_open_reports_with_a_reason(
        world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    cities_commit(world, zone, CITIES)
    task_force = incubate(world, zone, EXPORT_ZONE["initiative_title"])
    appoint(world, task_force, "Chen Jie (Quanzhou Commerce Bureau)")
    world.advance(days=92)
    [open_report] = quarterly_reports(world, task_force)

    # The Secretariat discontinues the initiative while the task force is at work, its report open.
    world.complete("sec_wang", zone, "monitor_implementation", {
        "implementation_outcome": "discontinued",
        "outcome_summary": "The customs regime changed; the zone cannot open."})
    initiative = world.one(RegistryInitiative, case_id=zone)
    assert (initiative.status, initiative.outcome) == ("closed", "discontinued")
    assert world.case(zone).status == "completed" and world.incidents(zone) == []

    view = world.case(task_force)
    assert view.status == "completed" and view.open_tasks == [] and world.incidents(task_force) == []
    assert timer_job(world, task_force) is None
    row = world.one(RegistryTaskForce, case_id=task_force)
    key = f"INI-{initiative.id}"
    assert (row.status, row.outcome) == ("closed", "discontinued")
    assert row.closure_summary == "The customs regime changed; the zone cannot open."
    assert row.closure_reason == f"Initiative {key} closed (discontinued); the task force closed with it."
    assert [r["task_id"] for r in row.cancelled_reports] == [open_report]
    assert row.cancelled_reports[0]["reason"] == row.closure_reason
    assert view.data["cancelled_reports"] == row.cancelled_reports  # on the case, in its history
    # No report is asked of a closed initiative's task force.
    world.advance(days=200)
    assert quarterly_reports(world, task_force) == []
    assert world.all(RegistryTaskForceReport, task_force_id=row.id) == []


def test_an_incubated_initiative_without_agreement_ends_when_said_or_overdue(world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    academy = propose(world, "committee_sports", SPORTS_ACADEMY)
    for case, cities in ((zone, CITIES), (academy, ["quanzhou"])):
        cities_commit(world, case, cities)
        world.complete("sec_wang", case, "decide_incubation", {"incubation_decision": "incubate"})
    [task] = world.open_tasks(zone, "record_agreement")
    assert task.due_at is not None and task.due_at.date() == (world.clock.now() + timedelta(days=90)).date()

    # The Secretariat says there is no agreement, with the reason.
    world.complete("sec_silva", zone, "record_agreement", {
        "agreement_status": "no_agreement", "no_agreement_reason": "Chongqing withdrew its budget."})
    initiative = world.one(RegistryInitiative, case_id=zone)
    assert (initiative.status, initiative.outcome) == ("no_agreement", "no_agreement")
    assert initiative.outcome_summary == "Chongqing withdrew its budget." and initiative.agreement is None
    assert world.case(zone).status == "completed"

    # Nothing is recorded for the academy: past 120 days the initiative ends without agreement.
    world.advance(days=119)
    assert world.open_elements(academy) == ["record_agreement"]
    world.advance(days=2)
    assert world.case(academy).status == "completed" and world.open_elements(academy) == []
    lapsed = world.one(RegistryInitiative, case_id=academy)
    assert lapsed.status == "no_agreement"
    assert lapsed.outcome_summary == "No cooperation agreement was recorded by its due date."
    world.session.expire_all()
    assert world.session.scalars(select(Case).where(Case.process_id == "task_force")).all() == []


def test_every_partner_city_answer_reaches_the_secretariat_with_who_gave_it(world: World) -> None:
    zone = propose(world, "committee_trade", EXPORT_ZONE)
    world.complete("quanzhou", zone, "commit_partner_city", {
        "commitment_decision": "commit", "commitment_contribution": "Two staff and the expo venue."})
    world.complete("chongqing", zone, "commit_partner_city", {
        "commitment_decision": "decline", "commitment_contribution": "No budget in 2018."})
    data = world.data(zone)
    assert data["commitments"] == ["commit", "decline"]
    names = {n["username"]: n for n in data["commitment_notes"]}
    assert set(names) == set(CITIES)
    assert names["quanzhou"]["decision"] == "Commit"
    assert names["quanzhou"]["contribution"] == "Two staff and the expo venue."
    assert names["chongqing"]["decision"] == "Decline"
    assert names["quanzhou"]["name"] != "quanzhou"  # the display name, not the username
    assert f"{names['chongqing']['name']}: Decline. No budget in 2018." in data["commitment_summary"]
    # The Secretariat's task shows them: its form lists commitment_notes.
    assert world.open_elements(zone) == ["decide_incubation"]


def test_an_initiative_started_from_an_approved_action_plan_is_linked_to_it(world: World) -> None:
    from processes.registry_forum import RegistryActionPlan, RegistryActionPlanInitiative
    from tests.processes.test_scenario_action_plans import TRADE_PLAN, draft

    plan_case = draft(world, "committee_trade", {**TRADE_PLAN, "plan_kind": "sectoral"})
    world.complete("sec_wang", plan_case, "review_plan", {"review_decision": "approve",
                                                          "approved_seed_funding": 50000})
    plan = world.one(RegistryActionPlan, case_id=plan_case)
    zone = propose(world, "committee_trade", {**EXPORT_ZONE, "action_plan_id": plan.id})
    [link] = world.all(RegistryActionPlanInitiative)
    assert (link.action_plan_id, link.initiative_id, link.case_id) == (
        plan.id, world.data(zone)["initiative_id"], zone)
    assert world.data(zone)["action_plan_title"] == plan.title
    assert world.open_elements(zone) == ["commit_partner_city", "commit_partner_city"]
    # Without a plan, no link and no incident: the free-text reference stays the origin.
    academy = propose(world, "committee_sports", SPORTS_ACADEMY)
    assert world.incidents(academy) == [] and len(world.all(RegistryActionPlanInitiative)) == 1
