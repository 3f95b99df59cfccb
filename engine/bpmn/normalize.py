"""Rewrite what other modelers write into what SpiffWorkflow 3.2.0 can run.

Works on a copy of the document just before SpiffWorkflow parses it; the stored
XML is always the analyst's original.
- timer values: bare ISO 8601 (`P30D`, `R/P1M`, dates) become Python string literals;
- conditions in JUEL (`${approved}`) or FEEL (`=approved`) become Python;
- QName-prefixed references (`messageRef="ns:Message_1"`) lose their prefix (a 3.2.0 TypeError);
- Camunda 8 multi-instance (`zeebe:loopCharacteristics inputCollection="=items"`) gains the
  standard `loopDataInputRef`/`inputDataItem` elements SpiffWorkflow reads.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from engine.bpmn.expressions import to_python_expression, to_python_timer
from engine.bpmn.xmlfile import NS, bpmn

_REF_ATTRS = ("messageRef", "signalRef", "errorRef", "escalationRef", "processRef",
              "attachedToRef", "calledElement", "default", "sourceRef", "targetRef")
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def for_spiff(root: etree._Element) -> etree._Element:
    doc = copy.deepcopy(root)
    _strip_qname_prefixes(doc)
    _translate_timers(doc)
    _translate_conditions(doc)
    _map_zeebe_multi_instance(doc)
    return doc


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


def _translate_timers(doc: etree._Element) -> None:
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for el in doc.iter(bpmn(kind)):
            if el.text and el.text.strip():
                el.text = to_python_timer(kind, el.text.strip())  # type: ignore[arg-type]


def _translate_conditions(doc: etree._Element) -> None:
    for tag in ("conditionExpression", "completionCondition", "loopCondition", "condition"):
        for el in doc.iter(bpmn(tag)):
            if el.text and el.text.strip():
                el.text = to_python_expression(el.text.strip())


def _map_zeebe_multi_instance(doc: etree._Element) -> None:
    for loop in doc.iter(bpmn("multiInstanceLoopCharacteristics")):
        zeebe = loop.find("bpmn:extensionElements/zeebe:loopCharacteristics", NS)
        if zeebe is None or loop.find(bpmn("loopDataInputRef")) is not None:
            continue
        collection = to_python_expression(zeebe.get("inputCollection", ""))
        if not _SIMPLE_NAME.match(collection):
            continue
        insert_at = 1 if loop.find(bpmn("extensionElements")) is not None else 0
        ref = etree.Element(bpmn("loopDataInputRef"))
        ref.text = collection
        loop.insert(insert_at, ref)
        element = zeebe.get("inputElement")
        output = to_python_expression(zeebe.get("outputCollection", ""))
        out_element = to_python_expression(zeebe.get("outputElement", ""))
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
