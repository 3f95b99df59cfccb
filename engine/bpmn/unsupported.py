"""BPMN the engine does not execute, refused at deploy in words: element, line, what to do.

A construct is listed here when SpiffWorkflow 3.2.0 would ignore it (a silently wrong
run), fail with an unreadable message, or crash on it. What the engine rewrites instead
(links, implicit splits, missing start events, vendor dialects) lives in
`engine.bpmn.flow_rewrites` and `engine.bpmn.dialects`.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from engine.bpmn.xmlfile import bpmn, is_executable
from engine.errors import Problem

_COMPENSATION = ("compensation (undoing completed work) is not supported: model the undo steps "
                 "as ordinary tasks, reached from an error boundary event or an exclusive gateway")

# element -> what the analyst should do instead
_ELEMENTS: dict[str, str] = {
    "complexGateway": "complex gateways are not supported: use an inclusive gateway (conditions on "
                      "its flows) or a parallel gateway",
    "adHocSubProcess": "ad-hoc sub-processes are not supported: draw the activities with sequence "
                       "flows inside an ordinary sub-process",
    "dataStoreReference": "data stores are not supported: keep the data in case variables (task "
                          "data) or reach the store from a service task",
    "choreography": "choreographies are descriptive only and cannot run",
    "choreographyTask": "choreography tasks are descriptive only and cannot run",
}


def refusals(name: str, root: etree._Element) -> list[Problem]:
    """Problems for every construct the engine would not run as drawn."""
    problems: list[Problem] = []
    executable = _executable_scopes(root)

    def refuse(el: etree._Element, message: str) -> None:
        owner = _owner(el)
        if owner is not None and not _inside(owner, executable):
            return  # inside a descriptive process: nothing will run it
        problems.append(Problem(message, file=name, line=el.sourceline,
                                element_id=owner.get("id") if owner is not None else None))

    for definition in root.iter(bpmn("compensateEventDefinition")):
        refuse(definition, _COMPENSATION)
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("isForCompensation") == "true":
            refuse(el, _COMPENSATION)
    for tag, message in _ELEMENTS.items():
        for el in root.iter(bpmn(tag)):
            refuse(el, message)
    for tag in ("subProcess", "transaction"):
        for el in root.iter(bpmn(tag)):
            if not any(isinstance(c.tag, str) and etree.QName(c).localname not in _NOT_CONTENT
                       for c in el):
                refuse(el, "the sub-process is empty (collapsed with nothing inside): draw its "
                           "content, or make it a task")
    _gateway_flows(root, refuse)
    return problems


_NOT_CONTENT = {"incoming", "outgoing", "documentation", "extensionElements", "ioSpecification",
                "property", "dataInputAssociation", "dataOutputAssociation",
                "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"}


def _gateway_flows(root: etree._Element, refuse: Callable[[etree._Element, str], None]) -> None:
    """Conditions the gateway would ignore, or flows it could not choose."""
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for flow in root.iter(bpmn("sequenceFlow")):
        source = by_id.get(flow.get("sourceRef"))
        if source is None or not isinstance(source.tag, str):
            continue
        kind = etree.QName(source).localname
        condition = flow.find(bpmn("conditionExpression"))
        has_condition = condition is not None and bool((condition.text or "").strip())
        if kind in ("parallelGateway", "eventBasedGateway") and has_condition:
            refuse(flow, f"a condition on a flow out of a {_words(kind)} is ignored by BPMN: "
                         "remove it, or make the gateway an inclusive or exclusive gateway")
        if kind in ("exclusiveGateway", "inclusiveGateway") and not has_condition \
                and source.get("default") != flow.get("id"):
            outgoing = [f for f in root.iter(bpmn("sequenceFlow"))
                        if f.get("sourceRef") == source.get("id")]
            if len(outgoing) > 1:
                refuse(flow, f"flow out of {_words(kind)} '{source.get('id')}' has no condition "
                             "and is not the gateway's default flow: give it a condition, or "
                             "mark it as the default flow")


def _words(kind: str) -> str:
    return {"parallelGateway": "a parallel gateway", "eventBasedGateway": "an event-based gateway",
            "exclusiveGateway": "exclusive gateway", "inclusiveGateway": "inclusive gateway"}[kind]


def _owner(el: etree._Element) -> etree._Element | None:
    owner: etree._Element | None = el
    while owner is not None and not owner.get("id"):
        owner = owner.getparent()
    return owner


def _executable_scopes(root: etree._Element) -> set[etree._Element]:
    return {p for p in root.findall(bpmn("process")) if is_executable(p)}


def _inside(el: etree._Element, scopes: set[etree._Element]) -> bool:
    current: etree._Element | None = el
    while current is not None:
        if current in scopes:
            return True
        current = current.getparent()
    # elements outside any process (collaboration, definitions-level) count as executable
    return not any(a.tag == bpmn("process") for a in el.iterancestors())


__all__ = ["refusals"]
