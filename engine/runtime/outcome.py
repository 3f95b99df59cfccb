"""The end a case reached (`Case.outcome`): established, rejected, declined, withdrawn ...

A process says it in one of two ways, both plain BPMN an analyst can edit in a modeler:
- an element (usually an end event) with the extension property `outcome`
  (`<zeebe:properties><zeebe:property name="outcome" value="rejected"/></zeebe:properties>`,
  "Extension properties" in Camunda Modeler): reaching it sets the outcome;
- the case variable `case_outcome` (set by a script or returned by a handler): when the case
  completes, it wins over the end event's (for outcomes only a handler can tell).
A cancelled case without an outcome gets `cancelled`.
"""

from __future__ import annotations

from engine.runtime.context import OpenCase
from engine.runtime.data import case_data

OUTCOME_VARIABLE = "case_outcome"
CANCELLED = "cancelled"
MAX_LENGTH = 60


def settle_outcome(opened: OpenCase) -> None:
    """Set `opened.case.outcome` from what the last engine steps reached (call before saving)."""
    elements = opened.definition.info.elements
    for element_id in opened.reached:
        info = elements.get(element_id)
        if info is not None and info.outcome:
            opened.case.outcome = info.outcome[:MAX_LENGTH]
    if opened.workflow.is_completed():
        value = case_data(opened).get(OUTCOME_VARIABLE)
        if isinstance(value, str) and value.strip():
            opened.case.outcome = value.strip()[:MAX_LENGTH]


__all__ = ["CANCELLED", "OUTCOME_VARIABLE", "settle_outcome"]
