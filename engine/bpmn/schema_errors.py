"""libxml2's XML Schema messages in plain words.

SpiffWorkflow validates a diagram against the BPMN XSD and reports libxml2's text:
"Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}incoming': This element is not
expected. Expected is one of ( {http://...}outgoing, ... )." `plain_message` says the
same thing an analyst can act on: which element, what is wrong, what was expected,
with namespaces written as the usual prefixes (`bpmn:incoming`).
"""

from __future__ import annotations

import re

from lxml import etree

from engine.bpmn.xmlfile import BPMN_NS, BPMNDI_NS, CAMUNDA_NS, SPIFF_NS, ZEEBE_NS

_PREFIXES = {BPMN_NS: "bpmn", BPMNDI_NS: "bpmndi", ZEEBE_NS: "zeebe", CAMUNDA_NS: "camunda",
             SPIFF_NS: "spiffworkflow", "http://www.omg.org/spec/DD/20100524/DC": "dc",
             "http://www.omg.org/spec/DD/20100524/DI": "di"}
_QNAME = re.compile(r"\{([^}]*)\}([\w.-]+)")
_HEAD = re.compile(r"^Element '(?P<element>[^']+)'(?:, attribute '(?P<attribute>[^']+)')?: "
                   r"(?P<rest>.*)$", re.S)
_TYPE_WORDS = {"boolean": "true or false", "integer": "a whole number", "int": "a whole number",
               "ID": "an id (a letter or _ first, then letters, digits, _ - or .)",
               "QName": "a reference to an element", "anyURI": "a URI", "double": "a number",
               "float": "a number", "IDREF": "the id of an element"}
_MAX_EXPECTED = 6


def _short(qname: str) -> str:
    """`{ns}local` -> `prefix:local` (or the bare local name for an unknown namespace)."""
    match = _QNAME.fullmatch(qname.strip())
    if match is None:
        return qname.strip()
    prefix = _PREFIXES.get(match.group(1))
    return f"{prefix}:{match.group(2)}" if prefix else match.group(2)


def _names(text: str) -> str:
    names = [_short(n) for n in text.split(",") if n.strip()]
    more = len(names) - _MAX_EXPECTED
    shown = ", ".join(names[:_MAX_EXPECTED])
    return f"{shown} (or {more} more)" if more > 0 else shown


def _explain(element: str, attribute: str | None, rest: str) -> str:
    rest = " ".join(rest.split())
    where = f"<{element}>"
    if match := re.match(r"The attribute '([^']+)' is not allowed", rest):
        return f"{where} may not have the attribute '{match.group(1)}'"
    if match := re.match(r"The attribute '([^']+)' is required but missing", rest):
        return f"{where} needs the attribute '{match.group(1)}'"
    if rest.startswith("This element is not expected"):
        found = re.search(r"Expected is(?: one of)? \( (.*) \)", rest)
        expected = f"; expected here: {_names(found.group(1))}" if found else ""
        return (f"{where} is not allowed at this place (BPMN fixes which elements may appear "
                f"and in which order){expected}")
    if match := re.match(r"Missing child element\(s\)\. Expected is(?: one of)? \( (.*) \)", rest):
        return f"{where} is missing a child element: {_names(match.group(1))}"
    if rest.startswith("Character content other than whitespace is not allowed"):
        return f"{where} contains text, but only child elements are allowed inside it"
    if match := re.match(r"'(.*)' is not a valid value of the (?:atomic|list|union) type "
                         r"'(?:xs:)?([\w]+)'", rest):
        wanted = _TYPE_WORDS.get(match.group(2), f"a valid {match.group(2)}")
        return f"{where}: '{match.group(1)}' is not {wanted} (attribute '{attribute}')"
    if match := re.match(r"\[facet 'enumeration'\] The value '(.*)' is not an element of the "
                         r"set \{(.*)\}", rest):
        options = ", ".join(o.strip().strip("'") for o in match.group(2).split(","))
        return f"{where}: '{match.group(1)}' is not one of {options} (attribute '{attribute}')"
    if match := re.match(r"'(.*)' is not a valid value", rest):
        return f"{where}: '{match.group(1)}' is not a valid value for attribute '{attribute}'"
    if match := re.match(r"No match found for key-sequence \['(.*)'\]", rest):
        return f"{where} refers to '{match.group(1)}', which is no element of this file"
    if match := re.match(r"Duplicate key-sequence \['(.*)'\]", rest):
        return f"{where}: the id '{match.group(1)}' is used twice"
    text = _QNAME.sub(lambda m: _short(m.group(0)), rest).rstrip(".")
    attr = f" (attribute '{attribute}')" if attribute else ""
    return f"{where}{attr}: {text}"


def plain_message(message: str) -> str | None:
    """The message in plain words, or None when it is not a schema message."""
    match = _HEAD.match(message.strip())
    if match is None:
        return None
    return "the file does not follow the BPMN 2.0 schema: " + _explain(
        _short(match.group("element")), match.group("attribute"), match.group("rest"))


def element_at(root: etree._Element, line: int | None, message: str) -> str | None:
    """The id of the element the message is about (the element at `line`, or its owner)."""
    match = _HEAD.match(message.strip())
    if line is None or match is None:
        return None
    tag = match.group("element")
    if not tag.startswith("{"):
        return None
    for el in root.iter(tag):
        if el.sourceline == line:
            while el is not None and not el.get("id"):
                el = el.getparent()
            return el.get("id") if el is not None else None
    return None


__all__ = ["element_at", "plain_message"]
