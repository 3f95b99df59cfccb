"""Run the Alliance's processes in SpiffWorkflow 3.2.0, in memory, along their main paths.

On the engine's own pipeline, without a database: each file goes through what deployment
runs (`engine.definitions.validation.validate_files`: the engine's normalization for
SpiffWorkflow, its parser with the service task that waits for the worker, the sandbox's
static checks), and the workflow runs with the runtime's script engine (the sandbox) and the
runtime's SpiffWorkflow patches. Service tasks wait as the engine's external service tasks do
and are completed with what the handler would return; user tasks with form data; timers are
shortened in the XML. This checks what the engine cannot fix for us: conditions,
multi-instance data, loops, messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions.deployment import files_from_paths
from engine.definitions.validation import UploadedFile, validate_files
from engine.runtime.context import Runtime

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
Answer = dict[str, Any] | Callable[[Any], dict[str, Any]]
Load = Callable[..., BpmnWorkflow]


@pytest.fixture
def load(runtime: Runtime) -> Load:
    """`load(process_id, timers)`: a new workflow of processes/<id>.bpmn, parsed as deployment
    parses it and run by the runtime's script engine; `timers` replaces the timer value of
    the named events (`{"observation_period": "PT0S"}`)."""
    companions = [f for f in files_from_paths([PROCESSES]) if not f.name.endswith(".bpmn")]

    def make(process_id: str, timers: dict[str, str] | None = None) -> BpmnWorkflow:
        tree = etree.parse(str(PROCESSES / f"{process_id}.bpmn"))
        for kind in ("timeDuration", "timeDate", "timeCycle"):
            for el in tree.iter(f"{{{BPMN}}}{kind}"):
                event_id = el.getparent().getparent().get("id")
                if timers and event_id in timers:
                    el.text = timers[event_id]
        result = validate_files([UploadedFile(f"{process_id}.bpmn", etree.tostring(tree)), *companions])
        assert result.problems == []
        [parsed] = [p for p in result.processes if p.process_id == process_id]
        return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=runtime.script_engine)

    return make


def start(workflow: BpmnWorkflow, data: dict[str, Any]) -> None:
    """What the engine does with start-form data."""
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()


def drive(workflow: BpmnWorkflow, answers: dict[str, Answer], limit: int = 100) -> list[str]:
    """Complete ready manual/user tasks with `answers` until none is ready; returns their ids."""
    done: list[str] = []
    workflow.do_engine_steps()
    for _ in range(limit):
        workflow.refresh_timers()
        workflow.do_engine_steps()
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        if not ready:
            return done
        task = ready[0]
        answer = answers.get(task.task_spec.bpmn_id, {})
        task.data.update(answer(task) if callable(answer) else answer)
        done.append(task.task_spec.bpmn_id)
        task.run()
        workflow.do_engine_steps()
    raise AssertionError(f"no end after {limit} steps: {done[-10:]}")


def test_committee_establishment_with_change_request_and_revision(load: Load) -> None:
    workflow = load("committee_establishment")
    drafts: list[int] = []
    reviews: list[str] = []

    def draft(task: Any) -> dict[str, Any]:
        drafts.append(1)
        return {"committee_name": "Tourism", "partner_institutions": ["iran_chamber", "bavaria_forum"]}

    def endorse(task: Any) -> dict[str, Any]:
        changes = len(drafts) == 1 and task.data["partner"] == "bavaria_forum"
        return {"endorsement_decision": "request_changes" if changes else "endorse"}

    def review(task: Any) -> dict[str, Any]:
        reviews.append("revise" if not reviews else "approve")
        return {"review_decision": reviews[-1], "last_review_comment": "Add a resource plan",
                "existing_committee_action": None}  # set by collect_endorsements

    done = drive(workflow, {"draft_tor": draft, "endorse_tor": endorse, "review_tor": review})
    assert done.count("draft_tor") == 3 and done.count("endorse_tor") == 6 and done.count("review_tor") == 2
    assert done[-3:] == ["register_committee", "name_representatives", "record_representatives"]
    assert workflow.is_completed()
    assert workflow.last_task.data["endorsements"] == ["endorse", "endorse"]  # reset each round


def test_committee_establishment_rejected(load: Load) -> None:
    workflow = load("committee_establishment")
    draft = {"committee_name": "Tourism", "partner_institutions": ["iran_chamber"]}
    done = drive(workflow, {"draft_tor": draft,
                            "endorse_tor": {"endorsement_decision": "endorse"},
                            "review_tor": {"review_decision": "reject", "existing_committee_action": None}})
    assert done == ["list_committee_choices", "draft_tor", "endorse_tor", "collect_endorsements",
                    "review_tor"] and workflow.is_completed()


def _business_council(load: Load, kind: str, timers: dict[str, str], answers: dict[str, Answer]) -> list[str]:
    workflow = load("business_council_membership", timers)
    start(workflow, {"applicant_name": "Silk Road Trading Co.", "applicant_kind": kind,
                     "sector": "business", "contact_email": "a@b.example", "motivation": "x" * 20})
    checks: list[str] = []

    def check(task: Any) -> dict[str, Any]:
        checks.append("incomplete" if not checks else "complete")
        return {"completeness": checks[-1]}

    done = drive(workflow, {"check_completeness": check, "chair_decision": {"chair_decision": "approve"},
                            "find_in_registry": {"registry_kind": "new"}, **answers})
    assert workflow.is_completed(), done
    return done


def test_business_council_organisation_becomes_member_after_a_year(load: Load) -> None:
    done = _business_council(load, "company", {"observation_period": "PT0S"},
                             {"apply_membership": {"membership_kind": "group_member"},
                              "dg_nomination": {"dg_decision": "nominate"}})
    assert done == ["check_completeness", "complete_application", "check_completeness", "find_in_registry",
                    "chair_decision", "register_observer", "apply_membership", "dg_nomination",
                    "register_member"]


def test_business_council_individual_is_informed(load: Load) -> None:
    done = _business_council(load, "individual", {"observation_period": "PT0S"}, {})
    assert done[-2:] == ["register_observer", "individual_information"]


def test_business_council_registered_observer_applies_directly(load: Load) -> None:
    done = _business_council(load, "company", {}, {
        "find_in_registry": {"registry_kind": "observer", "may_apply_for_membership": True,
                             "eligible_at": "2017-11-01T00:00:00+00:00"},
        "apply_membership": {"membership_kind": "individual_member"},
        "dg_nomination": {"dg_decision": "decline"}})
    assert done == ["check_completeness", "complete_application", "check_completeness", "find_in_registry",
                    "apply_membership", "dg_nomination"]


def test_annual_work_plan_clarification_and_late_committee(load: Load) -> None:
    workflow = load("annual_work_plan")
    start(workflow, {"year": 2018, "deadline": "2099-03-31T17:00:00+00:00"})
    reviews: dict[str, int] = {}

    def review(task: Any) -> dict[str, Any]:
        committee = task.data["committee"]
        reviews[committee] = reviews.get(committee, 0) + 1
        return {"review_decision": "clarify" if reviews[committee] == 1 else "accept"}

    def recorded(task: Any) -> dict[str, Any]:
        titles = [a["activity_title"] for a in task.data["activities"]]
        return {"submitted_activities": [{"activity_id": i, "activity_title": t}
                                         for i, t in enumerate(titles)]}

    def decided(task: Any) -> dict[str, Any]:
        return {"board_quorum_missing": False,
                "activity_outcome": {"committee": task.data["committee"],
                                     "title": task.data["activity"]["activity_title"], "status": "approved"}}

    done = drive(workflow, {
        "open_call": {"call_refused": False,
                      "committees": ["Business Council", "Sports and Outdoor Activities"]},
        "submit_activity": {"activities": [{"activity_title": "Silk Road Sports Academy"},
                                           {"activity_title": "Youth sports exchanges"}]},
        "revise_submission": {"activities": [{"activity_title": "Silk Road Sports Academy"}]},
        "record_submission": recorded, "review_submission": review,
        "board_decision": {"board_decision": "approve"}, "record_activity": decided})
    assert done.count("submit_activity") == 2 and done.count("revise_submission") == 2
    assert done.count("board_decision") == 2 and done[-1] == "record_work_plan"
    outcomes = workflow.last_task.data["committee_outcomes"]
    assert [[o["committee"] for o in per] for per in outcomes] == [
        ["Business Council"], ["Sports and Outdoor Activities"]]

    late = load("annual_work_plan")
    start(late, {"year": 2018, "deadline": "2018-03-31T17:00:00+00:00"})
    done = drive(late, {"open_call": {"call_refused": False, "committees": ["Investment and Trade"]},
                        "mark_late": {"committee_outcome": [{"committee": "Investment and Trade",
                                                             "status": "late"}]}})
    assert done == ["open_call", "mark_late", "record_work_plan"] and late.is_completed()

    refused = load("annual_work_plan")
    start(refused, {"year": 2018, "deadline": "2018-03-31T17:00:00+00:00"})
    assert drive(refused, {"open_call": {"call_refused": True}}) == ["open_call"] and refused.is_completed()


def test_initiative_and_task_force_correlate_by_initiative_id(load: Load) -> None:
    initiative = load("initiative_incubation")
    start(initiative, {"initiative_title": "Silk Road Sports Academy", "committee_name": "Sports and Outdoor "
                       "Activities", "partner_cities": ["quanzhou", "chongqing"]})
    drive(initiative, {"register_initiative": {"initiative_id": 7},
                       "commit_partner_city": {"commitment_decision": "commit"},
                       "decide_incubation": {"incubation_decision": "incubate"},
                       "record_agreement": {"agreement_status": "signed"}})
    assert initiative.last_task.data["commitments"] == ["commit", "commit"]
    (request,) = initiative.get_events()
    assert request.event_definition.name == "start_task_force"
    assert request.correlations == {"initiative": {"initiative_id": 7}}

    task_force = load("task_force")
    task_force.do_engine_steps()
    task_force.catch(request)
    done = drive(task_force, {
        "appoint_task_force": {"task_force_lead": "committee_sports"},
        "register_task_force": lambda t: {"initiative_id": t.data["initiative"]["initiative_id"],
                                          "task_force_id": 3}})
    (established,) = task_force.get_events()
    assert established.event_definition.name == "task_force_established"
    assert established.correlations == {"initiative": {"initiative_id": 7}}
    assert done[-2:] == ["run_task_force", "close_task_force"] and task_force.is_completed()

    initiative.catch(established)
    done = drive(initiative, {"monitor_implementation": {"implementation_outcome": "completed"},
                              "close_initiative": {"task_force_active": False}})
    assert done == ["start_implementation", "monitor_implementation", "close_initiative"]
    assert initiative.is_completed() and initiative.last_task.data["task_force"]["task_force_id"] == 3
