"""Reading an uploaded BPMN file: well-formed XML, BPMN root, unique ids, executable processes.

These checks run before SpiffWorkflow sees the file, because SpiffWorkflow
silently parses non-BPMN XML to nothing and reports some errors without a line.
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

from engine.errors import Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "zeebe": ZEEBE_NS, "camunda": CAMUNDA_NS,
      "spiffworkflow": SPIFF_NS}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=False)


def bpmn(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def parse_xml(name: str, content: bytes) -> tuple[etree._Element | None, list[Problem]]:
    """Parse bytes into an lxml tree, or explain why they are not a BPMN document."""
    root, problems = parse_xml_document(name, content)
    if root is None:
        return None, problems
    if root.tag != bpmn("definitions"):
        qname = etree.QName(root)
        namespace = f" in namespace {qname.namespace}" if qname.namespace else " without a namespace"
        return None, [Problem(
            f"root element is <{qname.localname}>{namespace}, expected BPMN 2.0 <definitions> "
            f"in namespace {BPMN_NS}", file=name, line=root.sourceline)]
    return root, []


def parse_xml_document(name: str, content: bytes) -> tuple[etree._Element | None, list[Problem]]:
    """Well-formed XML (any root), parsed without entities or network access."""
    if not content.strip():
        return None, [Problem("the file is empty", file=name)]
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        return None, [Problem(f"not well-formed XML: {exc.msg}", file=name, line=line)]
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        return None, [Problem(f"cannot read XML: {exc}", file=name)]
    return root, []


def check_structure(name: str, root: etree._Element) -> list[Problem]:
    """Duplicate ids, dangling references and the presence of an executable process."""
    problems: list[Problem] = []
    ids: Counter[str] = Counter()
    first_line: dict[str, int | None] = {}
    for el in _model_elements(root):
        el_id = el.get("id")
        if el_id:
            ids[el_id] += 1
            if ids[el_id] == 2:
                problems.append(Problem(f"duplicate id '{el_id}' (first at line {first_line[el_id]})",
                                        file=name, line=el.sourceline, element_id=el_id))
            first_line.setdefault(el_id, el.sourceline)
    known = set(ids)
    for flow in root.iter(bpmn("sequenceFlow")):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref or ref not in known:
                problems.append(Problem(f"sequence flow {attr} '{ref}' refers to no element",
                                        file=name, line=flow.sourceline, element_id=flow.get("id")))
    sources = {flow.get("sourceRef") for flow in root.iter(bpmn("sequenceFlow"))}
    for kind in ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
                 "complexGateway"):
        for gateway in root.iter(bpmn(kind)):
            if gateway.get("id") not in sources:
                problems.append(Problem("gateway has no outgoing sequence flow: a case reaching it "
                                        "would stop there", file=name, line=gateway.sourceline,
                                        element_id=gateway.get("id")))
    for boundary in root.iter(bpmn("boundaryEvent")):
        ref = boundary.get("attachedToRef")
        if not ref or _local(ref) not in known:
            problems.append(Problem(f"boundary event is attached to unknown element '{ref}'",
                                    file=name, line=boundary.sourceline, element_id=boundary.get("id")))
    processes = root.findall(bpmn("process"))
    if not processes:
        problems.append(Problem("the file defines no <process>", file=name, line=root.sourceline))
    elif not any(is_executable(p) for p in processes):
        ids_text = ", ".join(p.get("id") or "?" for p in processes)
        problems.append(Problem(
            f"{NOT_EXECUTABLE}: every process is marked isExecutable=\"false\" ({ids_text}); "
            "it can be opened in the modeler as a draft, and deployed once a process is marked "
            "executable", file=name, line=processes[0].sourceline,
            element_id=processes[0].get("id")))
    for process in processes:
        if is_executable(process) and not process.get("id"):
            problems.append(Problem("executable process without an id", file=name,
                                    line=process.sourceline))
    return problems


NOT_EXECUTABLE = "no executable process"


def is_executable(process: etree._Element) -> bool:
    """Executable unless marked `isExecutable="false"` (as Flowable and SpiffWorkflow read it:
    the attribute is optional, and a tool that omits it means a process to run)."""
    return (process.get("isExecutable") or "").strip().lower() != "false"


def executable_process_ids(root: etree._Element) -> list[str]:
    return [p.get("id", "") for p in root.findall(bpmn("process")) if is_executable(p)]


def _model_elements(root: etree._Element) -> list[etree._Element]:
    """BPMN and diagram elements, without vendor extension content (whose ids are the
    vendor's business: Camunda's form definitions, Signavio metadata ...)."""
    out: list[etree._Element] = []
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if el.tag == bpmn("extensionElements"):
            continue
        namespace = etree.QName(el).namespace or ""
        if namespace.startswith("http://www.omg.org/spec/"):
            out.append(el)
        stack.extend(reversed(list(el)))
    return out


def _local(ref: str) -> str:
    return ref.split(":", 1)[1] if ":" in ref else ref
