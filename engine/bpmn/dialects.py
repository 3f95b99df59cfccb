"""Vendor extensions that mean something executable, rewritten for SpiffWorkflow on a copy.

* Camunda 8 `zeebe:calledElement processId="x"` on a call activity: the called process.
* Camunda 8 `zeebe:ioMapping` and Camunda 7 `camunda:inputOutput`: input mappings are
  evaluated into the task's data before it runs, output mappings after it; an input that
  is not also an output is removed again afterwards (Zeebe's inputs are local to the task).
  They become SpiffWorkflow pre- and post-scripts, so they run in the sandbox. Known
  difference: an input that shadows a case variable of the same name replaces it for the
  rest of the case (Zeebe would restore it); name inputs apart from case variables.
* A send task with a `zeebe:taskDefinition` (or Camunda 7 `camunda:type="external"`) is
  a job for a worker, like a service task: it becomes one.
Values: `=expr` is FEEL, `${expr}` JUEL, anything else a literal string (as both
Camunda engines read it). What cannot be mapped is refused by name.
"""

from __future__ import annotations

from lxml import etree

from engine.bpmn.expressions import to_python_expression
from engine.bpmn.feel import FeelError
from engine.bpmn.xmlfile import CAMUNDA_NS, NS, SPIFF_NS, ZEEBE_NS, bpmn
from engine.errors import Problem


def rewrite(name: str, doc: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for call in doc.iter(bpmn("callActivity")):
        zeebe = call.find("bpmn:extensionElements/zeebe:calledElement", NS)
        if zeebe is not None and not call.get("calledElement"):
            process_id = (zeebe.get("processId") or "").strip()
            if not process_id or process_id.startswith("="):
                problems.append(_problem(name, call, (
                    "the called process is chosen by an expression "
                    f"('{process_id}'); name the process id itself") if process_id else
                    "zeebe:calledElement names no processId"))
            else:
                call.set("calledElement", process_id)
    for task in list(doc.iter(bpmn("sendTask"))):
        external = task.find("bpmn:extensionElements/zeebe:taskDefinition", NS) is not None \
            or task.get(f"{{{CAMUNDA_NS}}}type") == "external"
        if external:
            task.tag = bpmn("serviceTask")
    for el in list(doc.iter()):
        if not isinstance(el.tag, str):
            continue
        problems.extend(_io_mappings(name, el))
    return problems


def _problem(name: str, el: etree._Element, message: str) -> Problem:
    return Problem(message, file=name, line=el.sourceline, element_id=el.get("id"))


def _io_mappings(name: str, el: etree._Element) -> list[Problem]:
    ext = el.find(bpmn("extensionElements"))
    if ext is None:
        return []
    inputs: list[tuple[str, str]] = []
    outputs: list[tuple[str, str]] = []
    problems: list[Problem] = []
    zeebe = ext.find(f"{{{ZEEBE_NS}}}ioMapping")
    if zeebe is not None:
        for mapping in zeebe:
            if not isinstance(mapping.tag, str):
                continue
            kind = etree.QName(mapping).localname
            target, source = mapping.get("target") or "", mapping.get("source") or ""
            (inputs if kind == "input" else outputs).append((target, source))
    camunda = ext.find(f"{{{CAMUNDA_NS}}}inputOutput")
    if camunda is not None:
        for parameter in camunda:
            if not isinstance(parameter.tag, str):
                continue
            kind = etree.QName(parameter).localname
            if any(isinstance(c.tag, str) for c in parameter):
                problems.append(_problem(name, el, (
                    f"camunda:{kind} '{parameter.get('name')}' uses a script, list or map; only "
                    "expressions (${{...}}) and plain values can be mapped")))
                continue
            pair = (parameter.get("name") or "", parameter.text or "")
            (inputs if kind == "inputParameter" else outputs).append(pair)
    if not inputs and not outputs:
        return problems
    try:
        pre = [_assignment(target, source) for target, source in inputs]
        post = [_assignment(target, source) for target, source in outputs]
    except (FeelError, ValueError) as exc:
        return [*problems, _problem(name, el, f"input/output mapping: {exc}")]
    output_names = {target for target, _source in outputs}
    post += [f"del {target}" for target, _source in inputs if target not in output_names]
    if pre:
        _add_script(el, ext, "preScript", pre)
    if post:
        _add_script(el, ext, "postScript", post)
    return problems


def _assignment(target: str, source: str) -> str:
    if not target.isidentifier() or target.startswith("_"):
        raise ValueError(f"the target '{target}' must be a simple variable name")
    text = source.strip()
    if text.startswith("=") or text[:2] in ("${", "#{"):
        return f"{target} = {to_python_expression(text)}"
    return f"{target} = {text!r}"


def _add_script(el: etree._Element, ext: etree._Element, kind: str, lines: list[str]) -> None:
    existing = ext.find(f"{{{SPIFF_NS}}}{kind}")
    if existing is None:
        existing = etree.SubElement(ext, f"{{{SPIFF_NS}}}{kind}")
        existing.text = ""
    body = "\n".join(lines)
    existing.text = (body + "\n" + (existing.text or "")) if kind == "preScript" \
        else ((existing.text or "") + "\n" + body)


__all__ = ["rewrite"]
