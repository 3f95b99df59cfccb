"""What changed between two versions of a BPMN diagram, element by element.

Elements are matched by id. An element is a "top-level" semantic element of a
container (process, sub-process, collaboration, lane set): tasks, events,
gateways, flows, lanes, data objects, participants, messages. Each one is
reduced to a flat map of its properties (type, attributes, extension elements,
conditions, timers, scripts, documentation); nested elements that are reported
on their own are left out of their parent, and so are `incoming`/`outgoing`
(they only repeat what the flows say) and every nested `id` (modelers make them up).
Layout (BPMN DI) is ignored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.xmlfile import BPMN_NS, NS, parse_xml
from engine.errors import DeploymentRefused

_CONTAINERS = {"definitions", "process", "subProcess", "transaction", "adHocSubProcess",
               "collaboration", "laneSet", "childLaneSet"}
_UNREPORTED = {"laneSet", "childLaneSet", "BPMNDiagram", "definitions"}
_SKIPPED_CHILDREN = {"incoming", "outgoing"}
_SET_CHILDREN = {"flowNodeRef"}  # order carries no meaning: compared as a set
_PREFIXES = {uri: prefix for prefix, uri in NS.items()} | {
    "http://camunda.org/schema/modeler/1.0": "modeler",
    "http://www.w3.org/2001/XMLSchema-instance": "xsi",
}


@dataclass(frozen=True)
class PropertyChange:
    """One property of an element: `old` is None when added, `new` is None when removed."""

    path: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str
    name: str | None
    status: str  # added | removed | changed
    changes: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class DiagramDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def elements(self) -> list[ElementChange]:
        return [*self.added, *self.removed, *self.changed]


@dataclass(frozen=True)
class _Element:
    element_id: str
    kind: str
    name: str | None
    props: dict[str, str]


def _qname(node: etree._Element | str) -> str:
    q = etree.QName(node)
    if q.namespace == BPMN_NS or q.namespace is None:
        return q.localname
    prefix = _PREFIXES.get(q.namespace)
    return f"{prefix}:{q.localname}" if prefix else f"{{{q.namespace}}}{q.localname}"


def _is_bpmn(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and etree.QName(node).namespace == BPMN_NS


def _is_reported(node: etree._Element) -> bool:
    if not _is_bpmn(node) or not node.get("id"):
        return False
    parent = node.getparent()
    local = etree.QName(node).localname
    return (parent is not None and local not in _UNREPORTED
            and etree.QName(parent).localname in _CONTAINERS)


def _flatten(node: etree._Element, prefix: str, props: dict[str, str]) -> None:
    for attr, value in sorted(node.attrib.items()):
        if attr != "id":
            props[f"{prefix}@{_qname(attr)}"] = value
    text = (node.text or "").strip()
    if text and prefix:
        props[prefix] = text
    children = [c for c in node if isinstance(c.tag, str) and not _is_reported(c)
                and not (_is_bpmn(c) and etree.QName(c).localname in _SKIPPED_CHILDREN)
                and not etree.QName(c).localname.startswith("BPMN")]
    for tag in _SET_CHILDREN:
        refs = sorted((c.text or "").strip() for c in children if _qname(c) == tag)
        if refs:
            props[f"{prefix}/{tag}" if prefix else tag] = ", ".join(refs)
    children = [c for c in children if _qname(c) not in _SET_CHILDREN]
    counts = Counter(_qname(c) for c in children)
    seen: Counter[str] = Counter()
    for child in children:
        tag = _qname(child)
        seen[tag] += 1
        step = tag if counts[tag] == 1 else f"{tag}[{seen[tag]}]"
        # extensionElements only wraps; "zeebe:taskSchedule@dueDate" reads better
        path = prefix if tag == "extensionElements" else (f"{prefix}/{step}" if prefix else step)
        if tag != "extensionElements":
            props.setdefault(path, "")
        _flatten(child, path, props)


def _elements(root: etree._Element) -> dict[str, _Element]:
    found: dict[str, _Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or not _is_reported(node):
            continue
        props: dict[str, str] = {}
        _flatten(node, "", props)
        element_id = node.get("id") or ""
        found[element_id] = _Element(element_id, etree.QName(node).localname, node.get("name"), props)
    return found


def _parse(name: str, xml: bytes | str) -> etree._Element:
    content = xml.encode("utf-8") if isinstance(xml, str) else xml
    root, problems = parse_xml(name, content)
    if root is None:
        raise DeploymentRefused(problems)
    return root


def diff_bpmn(old_xml: bytes | str, new_xml: bytes | str) -> DiagramDiff:
    """Elements added, removed and changed from `old_xml` to `new_xml` (matched by id)."""
    old = _elements(_parse("previous version", old_xml))
    new = _elements(_parse("new version", new_xml))
    diff = DiagramDiff()
    for element_id, element in new.items():
        if element_id not in old:
            diff.added.append(ElementChange(element_id, element.kind, element.name, "added"))
    for element_id, element in old.items():
        if element_id not in new:
            diff.removed.append(ElementChange(element_id, element.kind, element.name, "removed"))
    for element_id, before in old.items():
        after = new.get(element_id)
        if after is None:
            continue
        changes: list[PropertyChange] = []
        if before.kind != after.kind:
            changes.append(PropertyChange("type", before.kind, after.kind))
        for path in sorted(set(before.props) | set(after.props)):
            was, now = before.props.get(path), after.props.get(path)
            if was != now:
                changes.append(PropertyChange(path, was, now))
        if changes:
            diff.changed.append(ElementChange(element_id, after.kind, after.name or before.name,
                                              "changed", tuple(changes)))
    return diff
