"""The Alliance's BPMN files and forms: valid BPMN, complete diagrams, consistent references.

The bpmn-moddle check runs the node script next to this file (its own npm project, with
bpmn-moddle pinned); it is skipped with a reason when node/npm are missing or the packages
cannot be installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.definitions.deployment import files_from_paths
from engine.definitions.validation import UploadedFile, validate_files
from processes.demo import DEMO_GROUPS
from processes.handlers import HANDLERS

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROCESSES = HERE.parents[1] / "processes"
FORMS = PROCESSES / "forms"
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
EXPECTED = {"committee_establishment", "business_council_membership", "annual_work_plan",
            "initiative_incubation", "task_force", "action_plan", "cities_forum",
            "alliance_membership", "alliance_withdrawal", "committee_membership",
            "activity_follow_up", "committee_review"}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
}
FLOW_NODES = ("userTask", "serviceTask", "businessRuleTask", "scriptTask", "manualTask", "task",
              "subProcess", "callActivity",
              "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
FIELD_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist", "taglist",
               "datetime", "filepicker"}
CHOICE_TYPES = {"select", "radio", "checklist", "taglist"}
CONTAINER_TYPES = {"dynamiclist", "group"}
HANDLER_FLAGS = {"call_refused", "task_force_active", "board_quorum_missing", "follow_up_refused",
                 "review_refused"}
"""Conditions on a boolean a service task's handler returns (open_work_plan_call, close_initiative,
record_board_decision, open_activity_follow_up, gather_committee_facts)."""
HANDLER_VALUES = {"registry_kind": {"new", "observer", "member"}}
"""Values a handler returns that conditions test (find_business_council_member)."""
VALIDATE_KEYS = {"required", "minLength", "maxLength", "min", "max", "pattern"}
ISO_TIMER = re.compile(r"^(R\d*/)?P[0-9YMWDTHS.]+$|^\d{4}-\d{2}-\d{2}")

Box = tuple[float, float, float, float]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _nodes(root: etree._Element) -> list[etree._Element]:
    return [el for tag in FLOW_NODES for el in root.iterfind(f".//bpmn:{tag}", NS)]


def _zeebe(el: etree._Element, tag: str) -> etree._Element | None:
    return el.find(f"./bpmn:extensionElements/zeebe:{tag}", NS)


def _bounds(root: etree._Element) -> dict[str, Box]:
    out: dict[str, Box] = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("./dc:Bounds", NS)
        assert b is not None
        out[shape.get("bpmnElement", "")] = tuple(float(b.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[assignment]
    return out


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _contains(outer: Box, inner: Box) -> bool:
    return (outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2]
            and outer[1] <= inner[1] and inner[1] + inner[3] <= outer[1] + outer[3])


def _inside(point: tuple[float, float], box: Box) -> bool:
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


def _on_border(point: tuple[float, float], box: Box, tolerance: float = 2.0) -> bool:
    x, y = point
    bx, by, bw, bh = box
    within = bx - tolerance <= x <= bx + bw + tolerance and by - tolerance <= y <= by + bh + tolerance
    near = min(abs(x - bx), abs(x - bx - bw), abs(y - by), abs(y - by - bh)) <= tolerance
    return within and near


def _form_ids() -> set[str]:
    return {p.stem for p in FORMS.glob("*.form")}


def _load_form(path: Path) -> dict[str, Any]:
    form: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return form


@pytest.fixture(params=BPMN_FILES, ids=lambda p: p.stem)
def bpmn(request: pytest.FixtureRequest) -> etree._Element:
    return _parse(request.param)


def test_one_file_per_process() -> None:
    assert {p.stem for p in BPMN_FILES} == EXPECTED
    for path in BPMN_FILES:
        processes = _parse(path).findall("./bpmn:process", NS)
        assert [p.get("id") for p in processes] == [path.stem]
        assert processes[0].get("isExecutable") == "true"


def test_camunda_8_header_collaboration_and_lanes(bpmn: etree._Element) -> None:
    assert bpmn.get(f"{{{NS['modeler']}}}executionPlatform") == "Camunda Cloud"
    process = bpmn.find("./bpmn:process", NS)
    assert process is not None
    participants = bpmn.findall("./bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == [process.get("id")]
    lanes = process.findall("./bpmn:laneSet/bpmn:lane", NS)
    assert lanes, "every process has a laneSet with lanes"
    in_lanes = [ref.text for lane in lanes for ref in lane.findall("./bpmn:flowNodeRef", NS)]
    top_level = [el.get("id") for el in process if etree.QName(el).localname in FLOW_NODES]
    assert sorted(in_lanes) == sorted(top_level), "each top-level flow node is in exactly one lane"


def test_moddle_reports_no_warnings() -> None:
    """bpmn-moddle (the parser under bpmn-js) from the repository's npm set-up reads every file cleanly."""
    node = shutil.which("node")
    assert node is not None, "node is required (make setup installs the npm packages)"
    assert (REPO / "node_modules" / "bpmn-moddle").exists(), "run `make setup` (npm ci) first"
    done = subprocess.run([node, str(HERE / "moddle_check.mjs"), *map(str, BPMN_FILES)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr or done.stdout
    warnings = json.loads(done.stdout)
    assert set(warnings) == {str(p) for p in BPMN_FILES}
    assert {f: w for f, w in warnings.items() if w} == {}


def test_every_user_task_names_an_existing_form(bpmn: etree._Element) -> None:
    forms = _form_ids()
    for task in bpmn.iterfind(".//bpmn:userTask", NS):
        definition = _zeebe(task, "formDefinition")
        assert definition is not None, f"user task {task.get('id')} has no zeebe:formDefinition"
        assert definition.get("formId") in forms, f"{task.get('id')}: missing form {definition.get('formId')}"
    for start in bpmn.iterfind(".//bpmn:startEvent", NS):
        definition = _zeebe(start, "formDefinition")
        if definition is not None:
            assert definition.get("formId") in forms


def _flat(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, the fields inside a dynamic list or group included."""
    for comp in components:
        yield comp
        if comp["type"] in CONTAINER_TYPES:
            yield from _flat(comp.get("components", []))


def test_every_form_is_used_and_well_formed() -> None:
    used = {d.get("formId") for p in BPMN_FILES for d in _parse(p).iterfind(".//zeebe:formDefinition", NS)}
    assert _form_ids() == used, "every form is referenced by a process, every reference has a form"
    for path in sorted(FORMS.glob("*.form")):
        form = _load_form(path)
        assert form["id"] == path.stem and form["type"] == "default", path.name
        assert isinstance(form["schemaVersion"], int) and form["schemaVersion"] >= 16
        keys = [c["key"] for c in _flat(form["components"]) if "key" in c]
        assert keys and len(keys) == len(set(keys)), f"{path.name}: duplicate or no keys"
        ids = [c["id"] for c in _flat(form["components"])]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate component ids"
        for comp in _flat(form["components"]):
            if comp["type"] in CONTAINER_TYPES:
                assert re.fullmatch(r"[a-z][a-z0-9_]*", comp.get("path", "")), f"{path.name}: {comp['id']}"
                assert comp.get("label", "").strip() and comp.get("components"), f"{path.name}: {comp['id']}"
                continue
            if comp["type"] == "text":
                assert comp.get("text", "").strip(), f"{path.name}: empty text component"
                continue
            assert comp["type"] in FIELD_TYPES, f"{path.name}: unexpected type {comp['type']}"
            assert re.fullmatch(r"[a-z][a-z0-9_]*", comp["key"]), f"{path.name}: key {comp['key']}"
            label = comp.get("label") or comp.get("dateLabel", "")
            assert label.strip(), f"{path.name}: {comp['key']} has no label"
            assert set(comp.get("validate", {})) <= VALIDATE_KEYS, f"{path.name}: {comp['key']}"
            if "pattern" in comp.get("validate", {}):
                re.compile(comp["validate"]["pattern"])
            if comp["type"] in CHOICE_TYPES and comp.get("valuesKey"):  # options from the case data
                assert re.fullmatch(r"[a-z][a-z0-9_]*", comp["valuesKey"]) and "values" not in comp
            elif comp["type"] in CHOICE_TYPES:
                values = [v["value"] for v in comp.get("values", [])]
                assert values and len(values) == len(set(values)), f"{path.name}: {comp['key']} values"
                assert all(v.get("label") for v in comp["values"])


def test_decisions_offer_the_values_their_conditions_test(bpmn: etree._Element) -> None:
    used = {d.get("formId") for d in bpmn.iterfind(".//zeebe:formDefinition", NS)}
    radios: dict[str, set[str]] = {}
    for form_id in used:
        for comp in _load_form(FORMS / f"{form_id}.form")["components"]:
            if comp["type"] in ("radio", "select"):
                radios.setdefault(comp["key"], set()).update(v["value"] for v in comp.get("values", []))
    for key, values in HANDLER_VALUES.items():
        radios.setdefault(key, set()).update(values)
    decided = {d.get("resultVariable") for d in bpmn.iterfind(".//zeebe:calledDecision", NS)}
    for cond in bpmn.iterfind(".//bpmn:conditionExpression", NS):
        if (cond.text or "").strip() in HANDLER_FLAGS:  # a boolean a handler returns
            continue
        negated = re.fullmatch(r"not (\w+)", (cond.text or "").strip())
        if negated:  # a decision table's boolean result
            assert negated.group(1) in decided, cond.text
            continue
        match = re.fullmatch(r"(\w+) == '(\w+)'|'(\w+)' in (\w+)", (cond.text or "").strip())
        assert match, f"unexpected condition {cond.text}"
        if match.group(1) is not None:
            assert match.group(2) in radios.get(match.group(1), set()), cond.text
        else:  # 'value' in <multi-instance output collection>: check the output item's choices
            loops = [loop for loop in bpmn.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS)
                     if loop.findtext("./bpmn:loopDataOutputRef", "", NS) == match.group(4)]
            assert len(loops) == 1, cond.text
            item = loops[0].find("./bpmn:outputDataItem", NS)
            assert item is not None and match.group(3) in radios.get(item.get("id", ""), set()), cond.text


def test_every_service_task_has_a_handler(bpmn: etree._Element) -> None:
    for task in bpmn.iterfind(".//bpmn:serviceTask", NS):
        definition = _zeebe(task, "taskDefinition")
        assert definition is not None, f"service task {task.get('id')} has no zeebe:taskDefinition"
        assert definition.get("type") in HANDLERS, f"{task.get('id')}: no handler {definition.get('type')}"


def _on_the_main_path(process: etree._Element, node: etree._Element) -> bool:
    """Whether the start event leads to `node` without passing a non-interrupting boundary event."""
    by_id = {el.get("id"): el for el in process}
    sources: dict[str, list[str]] = {}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        sources.setdefault(flow.get("targetRef") or "", []).append(flow.get("sourceRef") or "")
    seen: set[str] = set()
    todo = [node.get("id") or ""]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        element = by_id.get(current)
        if element is None:
            continue
        if element.tag == f"{{{NS['bpmn']}}}startEvent":
            return True
        if element.tag == f"{{{NS['bpmn']}}}boundaryEvent":
            if element.get("cancelActivity") != "false":
                todo.append(element.get("attachedToRef") or "")
            continue
        todo.extend(sources.get(current, []))
    return False


def test_every_end_of_a_process_names_its_outcome(bpmn: etree._Element) -> None:
    """The end a case reached is part of the case (engine.runtime.outcome): every end event of
    the process itself (not of its sub-processes) says which, so the dashboard can filter by it."""
    process = bpmn.find("bpmn:process", NS)
    assert process is not None
    for end in process.iterfind("bpmn:endEvent", NS):
        if not _on_the_main_path(process, end):
            continue  # the end of a side path (a reminder after a non-interrupting timer)
        prop = end.find("./bpmn:extensionElements/zeebe:properties/zeebe:property[@name='outcome']", NS)
        assert prop is not None and re.fullmatch(r"[a-z][a-z_]*", prop.get("value") or ""), \
            f"end event {end.get('id')} names no outcome"


def test_lanes_and_candidate_groups_are_demo_groups(bpmn: etree._Element) -> None:
    for lane in bpmn.iterfind(".//bpmn:lane", NS):
        assert _slug(lane.get("name", "")) in DEMO_GROUPS, f"lane {lane.get('name')} has no demo group"
    lane_of = {ref.text: lane.get("name") for lane in bpmn.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("./bpmn:flowNodeRef", NS)}
    for task in bpmn.iterfind(".//bpmn:userTask", NS):
        assignment = _zeebe(task, "assignmentDefinition")
        groups = (assignment.get("candidateGroups") or "") if assignment is not None else ""
        for group in filter(None, (g.strip() for g in groups.split(","))):
            if group.startswith(("=", "body:")):  # an expression over the case data, or a body
                continue
            assert group in DEMO_GROUPS, f"{task.get('id')}: unknown group {group}"
        assert groups or task.get("id") in lane_of, f"{task.get('id')}: neither lane nor candidate groups"


def test_multi_instance_is_written_for_zeebe_and_spiff(bpmn: etree._Element) -> None:
    for loop in bpmn.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        zeebe = loop.find("./bpmn:extensionElements/zeebe:loopCharacteristics", NS)
        assert zeebe is not None
        assert zeebe.get("inputCollection") == "=" + (loop.findtext("./bpmn:loopDataInputRef", "", NS))
        assert zeebe.get("outputCollection") == loop.findtext("./bpmn:loopDataOutputRef", "", NS)
        item = loop.find("./bpmn:inputDataItem", NS)
        out_item = loop.find("./bpmn:outputDataItem", NS)
        assert item is not None and out_item is not None
        assert zeebe.get("inputElement") == item.get("id")
        assert zeebe.get("outputElement") == "=" + (out_item.get("id") or "")


def test_messages_are_correlated_by_initiative_id(bpmn: etree._Element) -> None:
    messages = bpmn.findall("./bpmn:message", NS)
    if not messages:
        return
    assert {m.get("name") for m in messages} == {
        "start_task_force", "task_force_established", "initiative_closed"}
    for message in messages:
        subscription = _zeebe(message, "subscription")
        assert subscription is not None and subscription.get("correlationKey") == "=initiative_id"
    refs = {e.get("messageRef") for e in bpmn.iterfind(".//bpmn:correlationPropertyRetrievalExpression", NS)}
    assert refs == {m.get("id") for m in messages}
    key = bpmn.find("./bpmn:collaboration/bpmn:correlationKey", NS)
    assert key is not None and key.findtext("./bpmn:correlationPropertyRef", "", NS) == "initiative_id"


def test_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(bpmn: etree._Element) -> None:
    bounds = _bounds(bpmn)
    for node in _nodes(bpmn):
        assert node.get("id") in bounds, f"no BPMNShape for {node.get('id')}"
    edges = {e.get("bpmnElement"): e for e in bpmn.iterfind(".//bpmndi:BPMNEdge", NS)}
    for flow in bpmn.iterfind(".//bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"no BPMNEdge for {flow.get('id')}"
        points = [(float(w.get("x", "0")), float(w.get("y", "0")))
                  for w in edge.iterfind("./di:waypoint", NS)]
        assert len(points) >= 2
        source, target = bounds[flow.get("sourceRef", "")], bounds[flow.get("targetRef", "")]
        assert _on_border(points[0], source), f"{flow.get('id')} leaves off its source"
        assert _on_border(points[-1], target), f"{flow.get('id')} misses its target"
        for (x1, y1), (x2, y2) in pairwise(points):
            assert x1 == x2 or y1 == y2, f"{flow.get('id')}: segment is not orthogonal"


def test_shapes_sit_in_their_lane_without_overlapping(bpmn: etree._Element) -> None:
    bounds = _bounds(bpmn)
    boundary = {b.get("id"): b.get("attachedToRef") for b in bpmn.iterfind(".//bpmn:boundaryEvent", NS)}
    for event, host in boundary.items():
        centre = (bounds[event][0] + bounds[event][2] / 2, bounds[event][1] + bounds[event][3] / 2)
        assert _on_border(centre, bounds[host or ""]), f"{event} is not on its host's border"
    for lane in bpmn.iterfind(".//bpmn:lane", NS):
        lane_box = bounds[lane.get("id", "")]
        members = [ref.text or "" for ref in lane.iterfind("./bpmn:flowNodeRef", NS)]
        for member in members:
            box = bounds[member]
            assert _inside((box[0] + box[2] / 2, box[1] + box[3] / 2), lane_box), f"{member} outside its lane"
    top_level = [ref.text or "" for ref in bpmn.iterfind(".//bpmn:flowNodeRef", NS)
                 if ref.text not in boundary]
    for a, b in combinations(top_level, 2):  # stricter than "in the same lane": anywhere in the pool
        assert not _overlap(bounds[a], bounds[b]), f"{a} and {b} overlap"
    for sub in bpmn.iterfind(".//bpmn:subProcess", NS):
        children = [el.get("id", "") for el in sub if etree.QName(el).localname in FLOW_NODES]
        for child in [c for c in children if c not in boundary]:
            assert _contains(bounds[sub.get("id", "")], bounds[child]), f"{child} outside its subprocess"
        for a, b in combinations([c for c in children if c not in boundary], 2):
            assert not _overlap(bounds[a], bounds[b]), f"{a} and {b} overlap"


def test_gateway_branches_are_named_and_conditioned(bpmn: etree._Element) -> None:
    flows = {f.get("id"): f for f in bpmn.iterfind(".//bpmn:sequenceFlow", NS)}
    for kind in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in bpmn.iterfind(f".//bpmn:{kind}", NS):
            outgoing = [flows[o.text] for o in gateway.iterfind("./bpmn:outgoing", NS)]
            if len(outgoing) < 2:
                continue
            for flow in outgoing:
                assert flow.get("name"), f"{flow.get('id')} out of {gateway.get('id')} has no name"
                condition = flow.find("./bpmn:conditionExpression", NS)
                is_default = gateway.get("default") == flow.get("id")
                assert (condition is not None) != is_default, f"{flow.get('id')}: condition xor default"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_spiffworkflow_parses_the_process(path: Path) -> None:
    """Parsed as deployment parses it (engine.definitions.validation), every node is a spec."""
    companions = [f for f in files_from_paths([PROCESSES]) if not f.name.endswith(".bpmn")]
    result = validate_files([UploadedFile(path.name, path.read_bytes()), *companions])
    assert result.problems == []
    [parsed] = [p for p in result.processes if p.process_id == path.stem]
    ids = {getattr(t, "bpmn_id", None) for t in parsed.spec.task_specs.values()}
    for sub in parsed.subprocess_specs.values():
        ids |= {getattr(t, "bpmn_id", None) for t in sub.task_specs.values()}
    expected = {n.get("id") for n in _nodes(_parse(path))}
    assert expected <= ids
