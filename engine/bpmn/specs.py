"""Task specs and the parser the engine runs BPMN with.

One parser family (SpiffWorkflow's `SpiffBpmnParser`) and one serializer
configuration, extended with a service task that waits for the worker instead
of calling out from inside the engine step.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser, SpiffTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter, SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from engine.bpmn import parsing
from engine.bpmn.xmlfile import CAMUNDA_NS, NS


class ExternalServiceTask(ServiceTaskMixin, SpiffBpmnTask):  # type: ignore[misc]
    """A service task the engine halts at; the worker runs its handler, then completes it.

    Running handlers outside the engine step keeps registry calls out of the
    request's transaction and lets them be retried without re-running the case.
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, handler: str | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler
        self.manual = True

    def _run_hook(self, my_task: Any) -> bool:
        return True


class ExternalServiceTaskConverter(SpiffBpmnTaskConverter):  # type: ignore[misc]
    def to_dict(self, spec: ExternalServiceTask) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct["handler"] = spec.handler
        return dct


class ExternalServiceTaskParser(SpiffTaskParser):  # type: ignore[misc]
    def create_task(self) -> ExternalServiceTask:
        ext = self.node.find("bpmn:extensionElements", NS)
        handler = None
        if ext is not None:
            zeebe = ext.find("zeebe:taskDefinition", NS)
            spiff = ext.find("spiffworkflow:serviceTaskOperator", NS)
            if zeebe is not None:
                handler = zeebe.get("type")
            elif spiff is not None:
                handler = spiff.get("id")
        handler = handler or self.node.get(f"{{{CAMUNDA_NS}}}topic") or self.node.get(
            f"{{{CAMUNDA_NS}}}type")
        extensions = self.parse_extensions()
        return ExternalServiceTask(self.spec, self.bpmn_id, handler=handler,
                                   prescript=extensions.get("preScript"),
                                   postscript=extensions.get("postScript"),
                                   **self.bpmn_attributes)


class DecisionTask(BusinessRuleTask):  # type: ignore[misc]
    """A business rule task that can put the decision's result into one variable.

    Without a result variable the matched rule's outputs are merged into the task data
    (SpiffWorkflow's behaviour). With one, the result is shaped as the modeler's engine
    would: Camunda 8 (`zeebe:calledDecision resultVariable`) gives the single output's
    value, or a context of several outputs, or a list of them for COLLECT; Camunda 7
    (`camunda:resultVariable`, `camunda:mapDecisionResult`) maps by `singleEntry`,
    `singleResult`, `collectEntries` or `resultList` (its default).
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, dmnEngine: Any, result_variable: str | None = None,
                 result_mapping: str | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, dmnEngine, **kwargs)
        self.result_variable = result_variable
        self.result_mapping = result_mapping

    def _run_hook(self, my_task: Any) -> bool:
        if not self.result_variable:
            return bool(super()._run_hook(my_task))
        rules = self.dmnEngine.decide(my_task)
        outputs = [dict(rule.output_as_dict(my_task)) for rule in rules]
        table = self.dmnEngine.decision_table
        my_task.data[self.result_variable] = shape_result(
            outputs, table.hit_policy, len(table.outputs), self.result_mapping)
        return bool(super(BusinessRuleTaskMixin, self)._run_hook(my_task))


def shape_result(outputs: list[dict[str, Any]], hit_policy: str, columns: int,
                 mapping: str | None) -> Any:
    def single(row: dict[str, Any]) -> Any:
        return next(iter(row.values())) if columns == 1 and row else row

    if mapping is None:  # Camunda 8
        if hit_policy == "COLLECT":
            return [single(row) for row in outputs]
        return single(outputs[0]) if outputs else None
    if mapping == "singleEntry":
        return next(iter(outputs[0].values())) if outputs and outputs[0] else None
    if mapping == "singleResult":
        return outputs[0] if outputs else None
    if mapping == "collectEntries":
        return [next(iter(row.values())) for row in outputs if row]
    return outputs


class DecisionTaskConverter(BusinessRuleTaskConverter):  # type: ignore[misc]
    def to_dict(self, spec: DecisionTask) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct["result_variable"] = spec.result_variable
        dct["result_mapping"] = spec.result_mapping
        return dct


class DecisionTaskParser(BusinessRuleTaskParser):  # type: ignore[misc]
    def create_task(self) -> DecisionTask:
        ext = self.node.find("bpmn:extensionElements", NS)
        zeebe = ext.find("zeebe:calledDecision", NS) if ext is not None else None
        variable, mapping = None, None
        if zeebe is not None:
            variable = zeebe.get("resultVariable") or None
        elif self.node.get(f"{{{CAMUNDA_NS}}}resultVariable"):
            variable = self.node.get(f"{{{CAMUNDA_NS}}}resultVariable")
            mapping = self.node.get(f"{{{CAMUNDA_NS}}}mapDecisionResult") or "resultList"
        extensions = self.parse_extensions()
        return DecisionTask(
            self.spec, self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(self.get_decision_ref(self.node),
                                                            self.node),
            result_variable=variable, result_mapping=mapping,
            prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
            **self.bpmn_attributes)


class EngineBpmnParser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ExternalServiceTaskParser, ExternalServiceTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask),
    }

    def __init__(self, validate_schema: bool = True) -> None:
        parsing.install()  # no recursion on the length of a process (engine.bpmn.parsing)
        super().__init__(validator=VALIDATOR if validate_schema else None)


ENGINE_SPEC_CONFIG = dict(SPIFF_CONFIG)
ENGINE_SPEC_CONFIG[ExternalServiceTask] = ExternalServiceTaskConverter
ENGINE_SPEC_CONFIG[DecisionTask] = DecisionTaskConverter
