"""Serializing specs and case state.

A case's state is stored without its spec (a fresh blob is otherwise ~96 %
spec): `SpeclessWorkflowConverter` drops the spec on the way out and takes the
cached spec on the way in. Specs are serialized once, at deployment.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec

from engine.bpmn.specs import ENGINE_SPEC_CONFIG

SERIALIZER_VERSION = "spiff-1.5/alliance-1"


class SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: BpmnProcessSpec | None = None,
                  subprocess_specs: dict[str, BpmnProcessSpec] | None = None) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("a spec-less case state needs its spec to be restored")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    return UUID(value)


def _workflow_registry(*, encoding: bool) -> Any:
    """A registry for case state that never changes mode, so threads can share it.

    SpiffWorkflow's own `serialize_json` switches its registry's `_encoder_mode` on and
    off around each call, which is not safe when threads share the registry; here one
    registry is fixed in encoder mode (used with SpiffWorkflow's JSON encoder) and
    another restores.
    """
    config = dict(ENGINE_SPEC_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry._encoder_mode = encoding
    return registry


_ENCODING = _workflow_registry(encoding=True)
_DECODING = _workflow_registry(encoding=False)
_ENCODER = create_encoder(_ENCODING)
_SPEC_REGISTRY = BpmnWorkflowSerializer.configure(dict(ENGINE_SPEC_CONFIG))


def dump_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
    return json.dumps({
        "spec": _SPEC_REGISTRY.convert(spec),
        "subprocess_specs": {k: _SPEC_REGISTRY.convert(v) for k, v in subprocess_specs.items()},
    })


def load_specs(text: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    dct = json.loads(text)
    spec = _SPEC_REGISTRY.restore(dct["spec"])
    subs = {k: _SPEC_REGISTRY.restore(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def dump_state(workflow: BpmnWorkflow) -> str:
    return json.dumps(_ENCODING.convert(workflow), separators=(",", ":"), cls=_ENCODER)


def load_state(text: str | bytes, spec: BpmnProcessSpec,
               subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
    dct = json.loads(text)
    workflow: BpmnWorkflow = _DECODING.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    return workflow
