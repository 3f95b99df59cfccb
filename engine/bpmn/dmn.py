"""DMN decision tables deployed beside the BPMN: read, checked, translated for SpiffWorkflow.

A business rule task names a decision (`zeebe:calledDecision decisionId`, Camunda 7
`camunda:decisionRef`, or SpiffWorkflow's `spiffworkflow:calledDecisionId`); the decision
is a `.dmn` file of the same deployment (or the latest deployed one with that decision id),
and its table is serialized into the process version's spec, so a running case keeps the
rules it started with.

Cells are FEEL, DMN's language and what dmn-js writes (`"gold"`, `< 10`, `[1..5]`, `-`):
input entries (unary tests), input expressions and output entries are translated by
`engine.bpmn.feel` on a copy; a file whose `expressionLanguage` says Python is taken as
Python (SpiffWorkflow's own convention). Either way every cell is compiled by the
sandbox's static check at deploy and evaluated in the sandbox at run time (SpiffWorkflow's
DMN engine evaluates through the workflow's script engine).

Hit policies SpiffWorkflow runs: UNIQUE (the engine checks that at most one rule matches:
`engine.runtime.spiff_patches`), FIRST, ANY and COLLECT without an aggregator. PRIORITY,
OUTPUT ORDER, RULE ORDER and COLLECT with SUM/MIN/MAX/COUNT are refused by name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from engine.bpmn import feel
from engine.errors import Problem, ScriptRefused
from engine.sandbox.evaluator import check_expression

DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)
SUPPORTED_HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")


@dataclass
class DecisionFile:
    """One checked DMN file: its decision id, the original text and the translated copy."""

    name: str
    decision_id: str
    decision_name: str | None
    content: bytes
    translated: etree._Element


def is_dmn(root: etree._Element) -> bool:
    return etree.QName(root).namespace in DMN_NAMESPACES


def read_decision(name: str, content: bytes, root: etree._Element) -> tuple[DecisionFile | None,
                                                                            list[Problem]]:
    """Check one DMN document (already parsed) and translate it for SpiffWorkflow."""
    namespace = etree.QName(root).namespace or ""
    ns = {"dmn": namespace}
    if etree.QName(root).localname != "definitions":
        return None, [Problem("a DMN file's root element must be <definitions>", file=name,
                              line=root.sourceline)]
    decisions = root.findall("dmn:decision", ns)
    if len(decisions) != 1:
        what = "no decision" if not decisions else f"{len(decisions)} decisions"
        return None, [Problem(f"the DMN file has {what}; the engine runs one decision table per "
                              ".dmn file (split a decision requirements graph into files)",
                              file=name, line=root.sourceline)]
    decision = decisions[0]
    problems: list[Problem] = []
    table = decision.find("dmn:decisionTable", ns)
    if table is None:
        return None, [Problem("the decision is not a decision table (literal expressions and "
                              "other decision logic are not supported)", file=name,
                              line=decision.sourceline, element_id=decision.get("id"))]
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        problems.append(Problem(f"hit policy {policy} is not supported; use UNIQUE, FIRST, ANY or "
                                "COLLECT", file=name, line=table.sourceline,
                                element_id=decision.get("id")))
    if table.get("aggregation"):
        problems.append(Problem(f"COLLECT with aggregation {table.get('aggregation')} is not "
                                "supported; collect the list and sum it in a script task",
                                file=name, line=table.sourceline, element_id=decision.get("id")))
    python = "python" in (root.get("expressionLanguage") or "").lower()
    translated = copy.deepcopy(root)
    t_table = translated.find("dmn:decision/dmn:decisionTable", ns)
    assert t_table is not None
    problems.extend(_translate_table(name, t_table, ns, python))
    if problems:
        return None, problems
    return DecisionFile(name, decision.get("id") or "", decision.get("name"), content,
                        translated), []


def _translate_table(name: str, table: etree._Element, ns: dict[str, str],
                     python: bool) -> list[Problem]:
    problems: list[Problem] = []
    for index, element in enumerate(table.findall("dmn:input", ns), start=1):
        text = element.find("dmn:inputExpression/dmn:text", ns)
        label = element.get("label") or f"input {index}"
        if text is None or not (text.text or "").strip():
            problems.append(Problem(f"input column '{label}' has no expression", file=name,
                                    line=element.sourceline, element_id=element.get("id")))
            continue
        problems.extend(_cell(name, text, f"input column '{label}'", python, feel.to_python))
    for row, rule in enumerate(table.findall("dmn:rule", ns), start=1):
        for column, entry in enumerate(rule.findall("dmn:inputEntry/dmn:text", ns), start=1):
            problems.extend(_cell(name, entry, f"rule {row}, input {column}", python,
                                  _unary, unary=True))
        for column, entry in enumerate(rule.findall("dmn:outputEntry/dmn:text", ns), start=1):
            problems.extend(_cell(name, entry, f"rule {row}, output {column}", python,
                                  feel.to_python, optional=True))
    return problems


def _unary(text: str) -> str:
    return feel.unary_tests(text) or "-"


def _cell(name: str, el: etree._Element, where: str, python: bool, translate: object, *,
          unary: bool = False, optional: bool = False) -> list[Problem]:
    source = (el.text or "").strip()
    if unary and source in ("", "-"):
        el.text = "-"
        return []
    if optional and not source:
        return []
    owner = el.getparent()
    element_id = owner.get("id") if owner is not None else None
    try:
        result = source if python else translate(source)  # type: ignore[operator]
        if result != "-":
            check_expression(result.replace("?", feel.INPUT_NAME) if python else result)
    except feel.FeelError as exc:
        return [Problem(f"{where}: FEEL '{source}' cannot be translated: {exc}", file=name,
                        line=el.sourceline, element_id=element_id)]
    except ScriptRefused as exc:
        return [Problem(f"{where}: {exc.message}", file=name, line=el.sourceline,
                        element_id=element_id)]
    el.text = result
    return []


__all__ = ["DMN_NAMESPACES", "DecisionFile", "is_dmn", "read_decision"]
