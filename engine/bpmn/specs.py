"""Task specs and the parser the engine runs BPMN with.

One parser family (SpiffWorkflow's `SpiffBpmnParser`) and one serializer
configuration, extended with a service task that waits for the worker instead
of calling out from inside the engine step.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
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


class EngineBpmnParser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ExternalServiceTaskParser, ExternalServiceTask),
    }

    def __init__(self, validate_schema: bool = True) -> None:
        parsing.install()  # no recursion on the length of a process (engine.bpmn.parsing)
        super().__init__(validator=VALIDATOR if validate_schema else None)


ENGINE_SPEC_CONFIG = dict(SPIFF_CONFIG)
ENGINE_SPEC_CONFIG[ExternalServiceTask] = ExternalServiceTaskConverter
