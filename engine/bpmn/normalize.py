"""Rewrite what other modelers write into what SpiffWorkflow 3.2.0 can run.

Works on a copy of the document just before SpiffWorkflow parses it; the stored
XML is always the analyst's original.
- timer values: bare ISO 8601 (`P30D`, `R/P1M`, dates) become Python string literals;
- conditions in JUEL (`${approved}`) or FEEL (`=approved`) become Python (FEEL the
  translator cannot read is a problem naming the element);
- QName-prefixed references (`messageRef="ns:Message_1"`) lose their prefix (a 3.2.0 TypeError);
- Camunda 8 multi-instance (`zeebe:loopCharacteristics inputCollection="=items"`) gains the
  standard `loopDataInputRef`/`inputDataItem` elements SpiffWorkflow reads;
- vendor dialects (`engine.bpmn.dialects`): called elements, decisions, io mappings,
  send tasks that are jobs;
- flow shapes SpiffWorkflow cannot run as drawn (`engine.bpmn.flow_rewrites`): link
  events, implicit splits, processes without a start event.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from engine.bpmn import dialects, flow_rewrites
from engine.bpmn.expressions import to_python_expression, to_python_timer
from engine.bpmn.feel import FeelError
from engine.bpmn.xmlfile import CAMUNDA_NS, NS, SPIFF_NS, bpmn
from engine.errors import Problem

_REF_ATTRS = ("messageRef", "signalRef", "errorRef", "escalationRef", "processRef",
              "attachedToRef", "calledElement", "default", "sourceRef", "targetRef")
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def for_spiff(root: etree._Element, name: str = "diagram") -> tuple[etree._Element, list[Problem]]:
    """The copy SpiffWorkflow parses, and the problems found while rewriting it."""
    doc = copy.deepcopy(root)
    problems: list[Problem] = []
    _strip_qname_prefixes(doc)
    problems.extend(dialects.rewrite(name, doc))
    problems.extend(_translate_timers(name, doc))
    problems.extend(_translate_conditions(name, doc))
    _map_zeebe_multi_instance(doc)
    _called_decisions(doc)
    problems.extend(flow_rewrites.rewrite_links(name, doc))
    flow_rewrites.add_missing_starts(doc)
    flow_rewrites.rewrite_implicit_splits(doc)
    return doc, problems


def _strip_qname_prefixes(doc: etree._Element) -> None:
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in _REF_ATTRS:
            value = el.get(attr)
            if value and ":" in value and not value.startswith(("http:", "https:", "urn:")):
                el.set(attr, value.split(":", 1)[1])
    for tag in ("correlationPropertyRef", "incoming", "outgoing", "flowNodeRef", "dataObjectRef"):
        for el in doc.iter(bpmn(tag)):
            if el.text and ":" in el.text:
                el.text = el.text.split(":", 1)[1]


def _owner_problem(name: str, el: etree._Element, message: str) -> Problem:
    owner = el
    while owner is not None and not owner.get("id"):
        owner = owner.getparent()
    return Problem(message, file=name, line=el.sourceline,
                   element_id=owner.get("id") if owner is not None else None)


def _translate_timers(name: str, doc: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for el in doc.iter(bpmn(kind)):
            if el.text and el.text.strip():
                try:
                    el.text = to_python_timer(kind, el.text.strip())  # type: ignore[arg-type]
                except FeelError as exc:
                    problems.append(_owner_problem(name, el, f"FEEL in {kind}: {exc}"))
    return problems


def expression_language(el: etree._Element, root: etree._Element) -> str:
    """'python', 'feel' or the declared language of an expression (its `language`
    attribute, else the document's `expressionLanguage`)."""
    declared = (el.get("language") or root.get("expressionLanguage") or "").strip().lower()
    if not declared or "python" in declared or declared.startswith("http://www.omg.org/spec/bpmn"):
        return "python"
    if "feel" in declared:
        return "feel"
    if "juel" in declared or "java.sun.com/products/jsp" in declared:
        return "juel"
    return declared


def _translate_conditions(name: str, doc: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for tag in ("conditionExpression", "completionCondition", "loopCondition", "condition",
                "loopCardinality"):
        for el in doc.iter(bpmn(tag)):
            if not (el.text and el.text.strip()):
                continue
            language = expression_language(el, doc)
            text = el.text.strip()
            if language == "feel" and not text.startswith("="):
                text = "=" + text
            elif language not in ("python", "feel", "juel"):
                problems.append(_owner_problem(name, el, (
                    f"the expression '{text[:60]}' is in {language}, which the engine does not "
                    "evaluate: write it in Python, or in FEEL starting with '='")))
                continue
            try:
                el.text = to_python_expression(text)
            except FeelError as exc:
                problems.append(_owner_problem(name, el, f"FEEL expression not supported: {exc}"))
    return problems


def _map_zeebe_multi_instance(doc: etree._Element) -> None:
    for loop in doc.iter(bpmn("multiInstanceLoopCharacteristics")):
        zeebe = loop.find("bpmn:extensionElements/zeebe:loopCharacteristics", NS)
        if zeebe is None or loop.find(bpmn("loopDataInputRef")) is not None:
            continue
        try:
            collection = to_python_expression(zeebe.get("inputCollection", ""))
            output = to_python_expression(zeebe.get("outputCollection", ""))
            out_element = to_python_expression(zeebe.get("outputElement", ""))
        except FeelError:
            continue  # left without a collection: SpiffWorkflow refuses it by name
        if not _SIMPLE_NAME.match(collection):
            continue
        insert_at = 1 if loop.find(bpmn("extensionElements")) is not None else 0
        ref = etree.Element(bpmn("loopDataInputRef"))
        ref.text = collection
        loop.insert(insert_at, ref)
        element = zeebe.get("inputElement")
        position = insert_at + 1
        if output and _SIMPLE_NAME.match(output):
            out_ref = etree.Element(bpmn("loopDataOutputRef"))
            out_ref.text = output
            loop.insert(position, out_ref)
            position += 1
        if element and _SIMPLE_NAME.match(element):
            item = etree.Element(bpmn("inputDataItem"), id=element, name=element)
            loop.insert(position, item)
            position += 1
        if out_element and _SIMPLE_NAME.match(out_element):
            out_item = etree.Element(bpmn("outputDataItem"), id=out_element, name=out_element)
            loop.insert(position, out_item)


def _called_decisions(doc: etree._Element) -> None:
    """`zeebe:calledDecision decisionId` and `camunda:decisionRef` as SpiffWorkflow's
    `spiffworkflow:calledDecisionId` (the engine's parser reads the result variable)."""
    for task in doc.iter(bpmn("businessRuleTask")):
        ext = task.find(bpmn("extensionElements"))
        if ext is not None and ext.find("spiffworkflow:calledDecisionId", NS) is not None:
            continue
        zeebe = ext.find("zeebe:calledDecision", NS) if ext is not None else None
        decision = zeebe.get("decisionId") if zeebe is not None else task.get(
            f"{{{CAMUNDA_NS}}}decisionRef")
        if not decision:
            continue
        if ext is None:
            ext = etree.Element(bpmn("extensionElements"))
            docs = task.findall(bpmn("documentation"))
            task.insert(len(docs), ext)
        etree.SubElement(ext, f"{{{SPIFF_NS}}}calledDecisionId").text = decision.strip()
