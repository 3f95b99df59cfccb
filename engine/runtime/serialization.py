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
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.task import Task

from engine.bpmn.specs import ENGINE_SPEC_CONFIG

SERIALIZER_VERSION = "spiff-1.5/alliance-1"


class SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def mapping_to_dict(self, mapping: dict[Any, Any], **kwargs: Any) -> dict[str, Any]:
        convert = self.registry.convert
        return {_text(k) if isinstance(k, UUID) else str(k): convert(v, **kwargs)
                for k, v in mapping.items()}

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


_TEXT_OF: dict[UUID, str] = {}


def _text(value: UUID) -> str:
    """`str(value)`, kept: a save converts every task's id, parent and children (a fifth of a
    dump went to `UUID.__str__`), and a task's id never changes."""
    text = _TEXT_OF.get(value)
    if text is None:
        if len(_TEXT_OF) >= 200_000:
            _TEXT_OF.clear()
        text = _TEXT_OF[value] = str(value)
    return text


class CaseTaskConverter(TaskConverter):  # type: ignore[misc]
    """SpiffWorkflow 3.2.0's `TaskConverter.to_dict`, the same dict (tests/engine/runtime/
    test_serialization.py compares them over whole cases), with each task's parent looked up
    once and ids' text kept: SpiffWorkflow's own was two thirds of a save's serialization."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        parent = task.workflow.tasks.get(task._parent)
        if parent is None:
            data, delta = task.data, {}
        else:
            mine, theirs = task.data, parent.data
            data = {}
            delta = {"updates": {k: mine[k] for k in mine if k not in theirs or mine[k] != theirs[k]},
                     "deletions": [k for k in theirs if k not in mine]}
        return {
            "id": _text(task.id),
            "parent": _text(task._parent) if parent is not None else None,
            "children": [_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }


def _workflow_registry(*, encoding: bool) -> Any:
    """A registry for case state that never changes mode, so threads can share it.

    SpiffWorkflow's own `serialize_json` switches its registry's `_encoder_mode` on and
    off around each call, which is not safe when threads share the registry; here one
    registry is fixed in encoder mode (used with SpiffWorkflow's JSON encoder) and
    another restores.
    """
    config = dict(ENGINE_SPEC_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    config[Task] = CaseTaskConverter
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
