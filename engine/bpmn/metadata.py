"""What the engine needs to know about each element, read from the BPMN XML.

SpiffWorkflow's specs know the flow; this module reads the Camunda-style
extensions the engine acts on (forms, candidates, due dates, service handlers)
so that a diagram made in Camunda Modeler works without Spiff-specific markup.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from engine.bpmn.xmlfile import ACTIVITI_NS, BPMN_NS, CAMUNDA_NS, FLOWABLE_NS, NS, ZEEBE_NS, bpmn

INITIATOR = "initiator"
_FLOW_NODE_TAGS = {
    "userTask", "manualTask", "task", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "complexGateway",
}


def group_slug(name: str) -> str:
    """The group a lane name stands for: "Proposing Entity" -> "proposing_entity"."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _expr(value: str | None) -> str | None:
    """Strip FEEL '=' and JUEL '${}' wrappers from a simple attribute value."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("${") and value.endswith("}"):
        return "=" + value[2:-1].strip()
    return value or None


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _candidates(value: str | None) -> list[str]:
    """Literal names (comma-separated), or one expression kept whole with its '=' marker."""
    expression = _expr(value)
    if expression and expression.startswith("=") and not expression.startswith("=="):
        return [expression]
    return _split(value)


@dataclass
class ElementInfo:
    element_id: str
    kind: str
    name: str | None = None
    lane: str | None = None
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    assignee: str | None = None
    form_id: str | None = None
    form_key: str | None = None
    due: str | None = None
    handler: str | None = None
    retries: int | None = None
    documentation: str | None = None
    line: int | None = None
    decision_id: str | None = None
    outcome: str | None = None
    """`<zeebe:property name="outcome" value="..."/>`: the case's outcome once this is reached."""


@dataclass
class ProcessInfo:
    process_id: str
    name: str | None
    elements: dict[str, ElementInfo]
    start_form_id: str | None = None
    lanes: dict[str, str] = field(default_factory=dict)
    """Lane id -> lane name (what translation files key lanes by)."""
    documentation: str | None = None
    """The process's own `<documentation>`: what it is for, in the analyst's words."""

    def to_dict(self) -> dict[str, Any]:
        return {"process_id": self.process_id, "name": self.name,
                "start_form_id": self.start_form_id, "lanes": self.lanes,
                "documentation": self.documentation,
                "elements": {k: asdict(v) for k, v in self.elements.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessInfo:
        return cls(process_id=data["process_id"], name=data.get("name"),
                   start_form_id=data.get("start_form_id"), lanes=data.get("lanes") or {},
                   documentation=data.get("documentation"),
                   elements={k: ElementInfo(**v) for k, v in data["elements"].items()})

    def form_ids(self) -> set[str]:
        """Forms the process names with `zeebe:formDefinition` (Camunda 7 form keys point
        outside the engine and are kept only as information)."""
        ids = {e.form_id for e in self.elements.values() if e.form_id}
        return ids | ({self.start_form_id} if self.start_form_id else set())


def read_processes(root: etree._Element) -> dict[str, ProcessInfo]:
    """Element information for every process in the document, by process id."""
    lanes = _lane_of_each_node(root)
    result: dict[str, ProcessInfo] = {}
    for process in root.iter(bpmn("process")):
        pid = process.get("id") or ""
        elements: dict[str, ElementInfo] = {}
        start_form: str | None = None
        for el in process.iter():
            if not isinstance(el.tag, str) or not el.tag.startswith(f"{{{BPMN_NS}}}"):
                continue
            kind = etree.QName(el).localname
            if kind not in _FLOW_NODE_TAGS or not el.get("id"):
                continue
            info = _element_info(el, kind, lanes.get(el.get("id", "")))
            elements[info.element_id] = info
            if kind == "startEvent" and info.form_id and el.getparent() is process:
                start_form = info.form_id
        lane_names = {lane.get("id", ""): lane.get("name") or lane.get("id", "")
                      for lane in process.iter(bpmn("lane")) if lane.get("id")}
        doc = process.find(bpmn("documentation"))
        text = doc.text.strip() if doc is not None and doc.text else None
        result[pid] = ProcessInfo(pid, process.get("name"), elements, start_form, lane_names,
                                  text or None)
    return result


def _lane_of_each_node(root: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in root.iter(bpmn("lane")):
        name = lane.get("name") or lane.get("id") or ""
        for ref in lane.findall(bpmn("flowNodeRef")):
            if ref.text:
                lanes.setdefault(ref.text.strip(), name)
    return lanes


def _element_info(el: etree._Element, kind: str, lane: str | None) -> ElementInfo:
    info = ElementInfo(element_id=el.get("id", ""), kind=kind, name=el.get("name"), lane=lane,
                       line=el.sourceline)
    doc = el.find(bpmn("documentation"))
    if doc is not None and doc.text:
        info.documentation = doc.text.strip()
    ext = el.find(bpmn("extensionElements"))
    zeebe = (lambda tag: ext.find(f"zeebe:{tag}", NS)) if ext is not None else (lambda tag: None)
    form = zeebe("formDefinition")
    if form is not None:
        info.form_id = form.get("formId") or embedded_form_id(form.get("formKey")) or form.get(
            "externalReference")
    vendor = _vendor_attribute(el)
    if vendor("formKey"):
        info.form_key = vendor("formKey")
    assignment = zeebe("assignmentDefinition")
    if assignment is not None:
        info.assignee = _expr(assignment.get("assignee"))
        info.candidate_groups = _candidates(assignment.get("candidateGroups"))
        info.candidate_users = _candidates(assignment.get("candidateUsers"))
    else:
        info.assignee = _expr(vendor("assignee"))
        info.candidate_groups = _candidates(vendor("candidateGroups"))
        info.candidate_users = _candidates(vendor("candidateUsers"))
    if info.assignee and info.assignee.lstrip("= ").strip() == INITIATOR:
        info.assignee = INITIATOR
    if not (info.candidate_groups or info.candidate_users or info.assignee) and lane:
        info.candidate_groups = [group_slug(lane)]
    schedule = zeebe("taskSchedule")
    if schedule is not None and schedule.get("dueDate"):
        info.due = _strip_eq(schedule.get("dueDate"))
    elif vendor("dueDate"):
        info.due = _strip_eq(vendor("dueDate"))
    if kind == "businessRuleTask":
        called = zeebe("calledDecision")
        spiff = ext.find("spiffworkflow:calledDecisionId", NS) if ext is not None else None
        info.decision_id = (called.get("decisionId") if called is not None else None) or (
            spiff.text.strip() if spiff is not None and spiff.text else None) or el.get(
            f"{{{CAMUNDA_NS}}}decisionRef")
    properties = zeebe("properties")
    if properties is not None:
        for prop in properties.findall("zeebe:property", NS):
            if prop.get("name") == "outcome" and (prop.get("value") or "").strip():
                info.outcome = (prop.get("value") or "").strip()[:60]
    task_def = zeebe("taskDefinition")
    if task_def is not None:
        info.handler = task_def.get("type")
        retries = task_def.get("retries")
        info.retries = int(retries) if retries and retries.isdigit() else None
    elif kind in ("serviceTask", "sendTask"):
        info.handler = (el.get(f"{{{CAMUNDA_NS}}}topic") or el.get(f"{{{CAMUNDA_NS}}}type")
                        or el.get(f"{{{CAMUNDA_NS}}}delegateExpression")
                        or el.get(f"{{{CAMUNDA_NS}}}class") or el.get(f"{{{CAMUNDA_NS}}}expression"))
        spiff_op = ext.find("spiffworkflow:serviceTaskOperator", NS) if ext is not None else None
        if spiff_op is not None:
            info.handler = spiff_op.get("id")
    return info


def _vendor_attribute(el: etree._Element) -> Any:
    """The Camunda 7, Flowable or Activiti spelling of an attribute, whichever is present."""

    def read(attribute: str) -> str | None:
        for namespace in (CAMUNDA_NS, FLOWABLE_NS, ACTIVITI_NS):
            value = el.get(f"{{{namespace}}}{attribute}")
            if value:
                return value
        return None

    return read


EMBEDDED_FORM_PREFIX = "camunda-forms:bpmn:"


def embedded_form_id(form_key: str | None) -> str | None:
    """Camunda 8's `formKey="camunda-forms:bpmn:UserTaskForm_1"` names the form embedded in
    the same file as `<zeebe:userTaskForm id="UserTaskForm_1">`."""
    if form_key and form_key.startswith(EMBEDDED_FORM_PREFIX):
        return form_key[len(EMBEDDED_FORM_PREFIX):]
    return None


def read_embedded_forms(root: etree._Element) -> dict[str, tuple[str, int | None]]:
    """`zeebe:userTaskForm` bodies (form-js JSON) and their line, by their id."""
    forms: dict[str, tuple[str, int | None]] = {}
    for form in root.iter(f"{{{ZEEBE_NS}}}userTaskForm"):
        if form.get("id"):
            forms[form.get("id", "")] = (form.text or "", form.sourceline)
    return forms


def _strip_eq(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("${") and value.endswith("}"):
        return value[2:-1].strip()
    return value[1:].strip() if value.startswith("=") else value


def read_message_correlation_keys(root: etree._Element) -> dict[str, str]:
    """Camunda 8 correlation keys by message name: `<zeebe:subscription correlationKey="=x"/>`
    on a `bpmn:message` gives {"message name": "x"} (the FEEL `=` stripped)."""
    keys: dict[str, str] = {}
    for message in root.iter(bpmn("message")):
        subscription = message.find("bpmn:extensionElements/zeebe:subscription", NS)
        key = _strip_eq(subscription.get("correlationKey")) if subscription is not None else None
        if key:
            keys[message.get("name") or message.get("id") or ""] = key
    return keys


def process_documentation(xml: str, process_id: str) -> str | None:
    """The `<documentation>` of one process in a BPMN document (for versions deployed before
    ProcessInfo kept it)."""
    try:
        root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for process in root.iter(bpmn("process")):
        if process.get("id") == process_id:
            doc = process.find(bpmn("documentation"))
            return doc.text.strip() or None if doc is not None and doc.text else None
    return None


__all__ = ["INITIATOR", "ZEEBE_NS", "ElementInfo", "ProcessInfo", "embedded_form_id", "group_slug",
           "process_documentation", "read_embedded_forms", "read_message_correlation_keys",
           "read_processes"]
