"""Legal BPMN that SpiffWorkflow 3.2.0 cannot run as drawn, rewritten on the copy it parses.

* Link events (go-to arrows inside one process level): SpiffWorkflow 3.2.0 has no link
  event support and would end the branch at the throw event, silently. Each throw/catch
  pair becomes a sequence flow between two pass-through events; a throw whose link no
  catch event in the same process level names is refused.
* Implicit splits: an activity or event with several outgoing flows, or with conditional
  flows, means "take every unconditional flow and every flow whose condition holds (the
  default one if none holds)". SpiffWorkflow refuses several outgoing flows on a task and
  ignores a condition on a task's only flow; the rewrite inserts the gateways that say
  the same thing (parallel for the unconditional flows, inclusive for the conditional ones).
* A process or sub-process without a start event starts every flow node that has no
  incoming flow: the rewrite adds the start event (and a parallel split if several).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from lxml import etree

from engine.bpmn.xmlfile import BPMN_NS, bpmn
from engine.errors import Problem

_SCOPES = ("process", "subProcess", "transaction", "adHocSubProcess")
_NOT_FLOW_NODES = {
    "sequenceFlow", "laneSet", "lane", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "group", "extensionElements", "documentation", "property",
    "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet", "boundaryEvent",
    "category", "categoryValue", "startEvent",
}
_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
             "complexGateway"}


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def scopes(doc: etree._Element) -> Iterator[etree._Element]:
    for tag in _SCOPES:
        yield from doc.iter(bpmn(tag))


def children(scope: etree._Element) -> list[etree._Element]:
    return [c for c in scope if isinstance(c.tag, str) and c.tag.startswith(f"{{{BPMN_NS}}}")]


class _Ids:
    def __init__(self, doc: etree._Element) -> None:
        self.used = {el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}

    def new(self, base: str) -> str:
        n = 1
        while f"{base}__{n}" in self.used:
            n += 1
        ident = f"{base}__{n}"
        self.used.add(ident)
        return ident


_AFTER_FLOW_ELEMENTS = {"textAnnotation", "association", "group", "resourceRole", "performer",
                        "humanPerformer", "potentialOwner", "correlationSubscription", "supports"}


def add_flow_element(scope: etree._Element, el: etree._Element) -> etree._Element:
    """Insert where the BPMN schema wants flow elements: before artifacts and resource roles."""
    for index, child in enumerate(scope):
        if local(child) in _AFTER_FLOW_ELEMENTS:
            scope.insert(index, el)
            return el
    scope.append(el)
    return el


def _flow(scope: etree._Element, ids: _Ids, source: str, target: str, base: str) -> etree._Element:
    return add_flow_element(scope, etree.Element(bpmn("sequenceFlow"), id=ids.new(base),
                                                 sourceRef=source, targetRef=target))


def _node(scope: etree._Element, ids: _Ids, tag: str, base: str) -> etree._Element:
    return add_flow_element(scope, etree.Element(bpmn(tag), id=ids.new(base)))


def _drop_refs(doc: etree._Element) -> None:
    """`incoming`/`outgoing` children are redundant with the flows and would go stale."""
    for tag in ("incoming", "outgoing"):
        for el in list(doc.iter(bpmn(tag))):
            el.getparent().remove(el)


def rewrite_links(name: str, doc: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    ids = _Ids(doc)
    for scope in scopes(doc):
        catches: dict[str, list[etree._Element]] = defaultdict(list)
        throws: list[tuple[etree._Element, etree._Element]] = []
        for el in children(scope):
            definition = el.find(bpmn("linkEventDefinition"))
            if definition is None:
                continue
            if local(el) == "intermediateCatchEvent":
                catches[_link_name(el, definition)].append(el)
            elif local(el) == "intermediateThrowEvent":
                throws.append((el, definition))
            else:
                problems.append(Problem(
                    f"a link event definition on a {local(el)} has no meaning; links are "
                    "intermediate throw and catch events", file=name, line=el.sourceline,
                    element_id=el.get("id")))
        for link, events in catches.items():
            if len(events) > 1:
                problems.append(Problem(
                    f"link '{link}' is caught by {len(events)} events "
                    f"({', '.join(e.get('id', '?') for e in events)}); a link needs exactly one "
                    "catch event in its process level", file=name, line=events[1].sourceline,
                    element_id=events[1].get("id")))
        for throw, definition in throws:
            link = _link_name(throw, definition)
            target = _by_definition_id(scope, definition.get("target")) or (
                catches[link][0] if len(catches.get(link, [])) == 1 else None)
            if target is None:
                if not catches.get(link):
                    problems.append(Problem(
                        f"link event throws link '{link}' but no link catch event in the same "
                        "process level catches it: add an intermediate catch event with the "
                        "same link name, or draw a sequence flow instead", file=name,
                        line=throw.sourceline, element_id=throw.get("id")))
                continue
            throw.remove(definition)
            _flow(scope, ids, throw.get("id", ""), target.get("id", ""), "link_flow")
        for events in catches.values():
            for catch in events:
                definition = catch.find(bpmn("linkEventDefinition"))
                if definition is not None:
                    catch.remove(definition)
                catch.tag = bpmn("intermediateThrowEvent")  # a pass-through event
    return problems


def _link_name(event: etree._Element, definition: etree._Element) -> str:
    return (definition.get("name") or event.get("name") or "").strip()


def _by_definition_id(scope: etree._Element, ref: str | None) -> etree._Element | None:
    if not ref:
        return None
    for el in children(scope):
        definition = el.find(bpmn("linkEventDefinition"))
        if definition is not None and definition.get("id") == ref.split(":")[-1] \
                and local(el) == "intermediateCatchEvent":
            return el
    return None


def rewrite_implicit_splits(doc: etree._Element) -> None:
    ids = _Ids(doc)
    changed = False
    for scope in scopes(doc):
        outgoing: dict[str, list[etree._Element]] = defaultdict(list)
        for flow in scope.findall(bpmn("sequenceFlow")):
            outgoing[flow.get("sourceRef", "")].append(flow)
        nodes = {el.get("id"): el for el in children(scope) if el.get("id")}
        for source, flows in outgoing.items():
            node = nodes.get(source)
            if node is None or local(node) in _GATEWAYS:
                continue
            conditional = [f for f in flows if _condition(f) is not None]
            if len(flows) < 2 and not conditional:
                continue
            _split(scope, ids, node, flows, conditional)
            changed = True
    if changed:
        _drop_refs(doc)


def _condition(flow: etree._Element) -> etree._Element | None:
    cond = flow.find(bpmn("conditionExpression"))
    return cond if cond is not None and (cond.text or "").strip() else None


def _split(scope: etree._Element, ids: _Ids, node: etree._Element, flows: list[etree._Element],
           conditional: list[etree._Element]) -> None:
    source = node.get("id", "")
    default_id = node.get("default")
    default = next((f for f in flows if f.get("id") == default_id), None)
    plain = [f for f in flows if f not in conditional and f is not default]
    if default is not None:
        del node.attrib["default"]
    if not conditional and default is None:
        gateway = _node(scope, ids, "parallelGateway", f"{source}_split")
        _flow(scope, ids, source, gateway.get("id", ""), f"{source}_to_split")
        for flow in plain:
            flow.set("sourceRef", gateway.get("id", ""))
        return
    inclusive = _node(scope, ids, "inclusiveGateway", f"{source}_conditions")
    for flow in conditional:
        flow.set("sourceRef", inclusive.get("id", ""))
    if default is not None:
        default.set("sourceRef", inclusive.get("id", ""))
        inclusive.set("default", default.get("id", ""))
    if plain:
        parallel = _node(scope, ids, "parallelGateway", f"{source}_split")
        _flow(scope, ids, source, parallel.get("id", ""), f"{source}_to_split")
        for flow in plain:
            flow.set("sourceRef", parallel.get("id", ""))
        _flow(scope, ids, parallel.get("id", ""), inclusive.get("id", ""), f"{source}_to_conditions")
    else:
        _flow(scope, ids, source, inclusive.get("id", ""), f"{source}_to_conditions")


def add_missing_starts(doc: etree._Element) -> None:
    """Give a process or sub-process without a start event one that starts its entry nodes."""
    ids = _Ids(doc)
    changed = False
    for scope in scopes(doc):
        if scope.get("triggeredByEvent") == "true":
            continue
        nodes = children(scope)
        if any(local(el) == "startEvent" for el in nodes):
            continue
        targets = {f.get("targetRef") for f in scope.findall(bpmn("sequenceFlow"))}
        entries = [el for el in nodes if local(el) not in _NOT_FLOW_NODES and el.get("id")
                   and el.get("id") not in targets and el.get("triggeredByEvent") != "true"
                   and el.get("isForCompensation") != "true"
                   and el.find(bpmn("linkEventDefinition")) is None]
        if not entries:
            continue
        base = scope.get("id") or "scope"
        start = _node(scope, ids, "startEvent", f"{base}_start")
        if len(entries) == 1:
            _flow(scope, ids, start.get("id", ""), entries[0].get("id", ""), f"{base}_begin")
        else:
            split = _node(scope, ids, "parallelGateway", f"{base}_begin_all")
            _flow(scope, ids, start.get("id", ""), split.get("id", ""), f"{base}_begin")
            for entry in entries:
                _flow(scope, ids, split.get("id", ""), entry.get("id", ""), f"{base}_begin")
        changed = True
    if changed:
        _drop_refs(doc)


__all__ = ["add_missing_starts", "rewrite_implicit_splits", "rewrite_links"]
