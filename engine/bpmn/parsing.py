"""SpiffWorkflow's process parser without recursion on the length of a process.

SpiffWorkflow 3.2.0 parses a process depth-first by recursion: `TaskParser.parse_node`
parses each outgoing target through `ProcessParser.parse_node`, which calls the
target's `TaskParser.parse_node`, and so on, two Python frames per element. A linear
process of about 490 tasks reaches Python's recursion limit and cannot be deployed.

Here the same algorithm runs on an explicit stack: `_task_steps` is SpiffWorkflow's
`TaskParser.parse_node` (and `_add_boundary_event`) written as a generator that
*yields* the node it would have recursed into and receives its spec back;
`parse_node` (installed as `ProcessParser.parse_node`) drives the generators. The
order in which specs are created and connected is exactly the original's, and so
are the errors (a child's exception is thrown into its parent's generator, where the
original `except` clauses wrap it as before).

`install()` checks that the functions replaced are still SpiffWorkflow 3.2.0's (by a
hash of their source) before replacing them; it is idempotent.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Generator
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.simple import CancelEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import TransactionSubprocess

Steps = Generator[etree._Element, Any, Any]

#: sha256 of the source of what is replaced, as shipped in SpiffWorkflow 3.2.0.
EXPECTED_SOURCES = {
    "ProcessParser.parse_node": "d7abbc1abdfdbf8666bb4d2c4b0eb00e162106b4e7320694f835c39db7bd33a0",
    "TaskParser.parse_node": "49191a06ed4bbdbe9edd3858ff744c45c9399220a3c5c1faa679c9d114c8ada4",
    "TaskParser._add_boundary_event":
        "b6e872634daa6b3d83c32478f5c42e5f5fba993690e12bac8281407ba4a73894",
}
_ORIGINAL_PARSE_NODE = ProcessParser.parse_node


def _boundary_steps(np: TaskParser, children: list[etree._Element]) -> Steps:
    """TaskParser._add_boundary_event, yielding each boundary event's node."""
    split_task = BoundaryEventSplit(np.spec, f"{np.bpmn_id}.BoundaryEventSplit", lane=np.task.lane)
    join_task = BoundaryEventJoin(np.spec, f"{np.bpmn_id}.BoundaryEventJoin", lane=np.task.lane,
                                  split_task=split_task.name, cancel=True)
    split_task.connect(np.task)
    np.task.connect(join_task)
    for event in children:
        child = yield event
        if isinstance(child.event_definition, CancelEventDefinition) \
                and not isinstance(np.task, TransactionSubprocess):
            np.raise_validation_exception("Cancel Events may only be used with transactions")
        split_task.connect(child)
        child.connect(join_task)
    return split_task


def _task_steps(np: TaskParser) -> Steps:
    """TaskParser.parse_node: parse this node and its children; return the connected spec."""
    try:
        np.task = np.create_task()
        np.task.extensions = np.parse_extensions()
        io_spec = np.xpath("./bpmn:ioSpecification")
        if len(io_spec) > 0:
            np.task.io_specification = np.parse_io_spec()
        loop_characteristics = np.xpath("./bpmn:standardLoopCharacteristics")
        if len(loop_characteristics) > 0:
            np._add_loop_task(loop_characteristics[0])
        mi_loop_characteristics = np.xpath("./bpmn:multiInstanceLoopCharacteristics")
        if len(mi_loop_characteristics) > 0:
            np._add_multiinstance_task(mi_loop_characteristics[0])
        boundary_event_nodes = np.process_parser.get_boundary_events(np.bpmn_id)
        parent = None
        if boundary_event_nodes:
            parent = yield from _boundary_steps(np, boundary_event_nodes)
        children = []
        outgoing = np.process_parser.get_outgoing_sequence_flows(np.bpmn_id)
        if len(outgoing) > 1 and not np.handles_multiple_outgoing():
            np.raise_validation_exception("Multiple outgoing flows are not supported for tasks of type")
        for sequence_flow in outgoing:
            target_ref = sequence_flow.get("targetRef")
            target_node = np.process_parser.get_node_by_id(target_ref)
            if target_node is None:
                np.raise_validation_exception("When looking for a task spec, we found two items, "
                                              f"perhaps a form has the same ID? ({target_ref})")
            split_task = np.spec.task_specs.get(f"{target_ref}.BoundaryEventSplit")
            c = (yield target_node) if split_task is None else split_task
            position = np.get_position(target_node)
            children.append((position, c, sequence_flow))
        if children:
            children = sorted(children, key=lambda tup: float(tup[0]["y"]))
            default_outgoing = np.node.get("default")
            if len(children) == 1 and isinstance(np.task, ExclusiveGateway | InclusiveGateway):
                (_position, c, sequence_flow) = children[0]
                if np.parse_condition(sequence_flow) is None:
                    default_outgoing = sequence_flow.get("id")
            for (_position, c, sequence_flow) in children:
                np.connect_outgoing(c, sequence_flow, sequence_flow.get("id") == default_outgoing)
        return parent if boundary_event_nodes else np.task
    except ValidationException:
        raise
    except Exception as ex:
        raise ValidationException(f"{ex!r}", node=np.node, file_name=np.filename) from ex


def _start(process_parser: ProcessParser, node: etree._Element) -> tuple[Any, Steps | None]:
    """ProcessParser.parse_node up to the recursion: (spec, None) or (None, steps to run)."""
    if node.get("id") in process_parser.spec.task_specs:
        return process_parser.spec.task_specs[node.get("id")], None
    (node_parser, spec_class) = process_parser.parser._get_parser_class(node.tag)
    if not node_parser or not spec_class:
        raise ValidationException("There is no support implemented for this task type.",
                                  node=node, file_name=process_parser.filename)
    np = node_parser(process_parser, spec_class, node, process_parser.nsmap,
                     lane=process_parser.lane)
    return None, _task_steps(np)


def parse_node(self: ProcessParser, node: etree._Element) -> Any:
    """ProcessParser.parse_node, driving the task parsers' generators on an explicit stack."""
    spec, steps = _start(self, node)
    if steps is None:
        return spec
    stack: list[Steps] = [steps]
    value: Any = None
    error: BaseException | None = None
    while stack:
        current = stack[-1]
        try:
            target = current.throw(error) if error is not None else current.send(value)
        except StopIteration as done:
            stack.pop()
            value, error = done.value, None
            continue
        except Exception as exc:
            stack.pop()
            value, error = None, exc
            continue
        error = None
        try:
            value, child = _start(self, target)
        except Exception as exc:
            value, error = None, exc
            continue
        if child is not None:
            stack.append(child)
            value = None
    if error is not None:
        raise error
    return value


def _source_hash(func: Any) -> str:
    return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()


class ParserMismatch(RuntimeError):
    """SpiffWorkflow's parser is not the one this module rewrites (another version?)."""


def check_shape() -> None:
    found = {
        "ProcessParser.parse_node": _source_hash(_ORIGINAL_PARSE_NODE),
        "TaskParser.parse_node": _source_hash(TaskParser.parse_node),
        "TaskParser._add_boundary_event": _source_hash(TaskParser._add_boundary_event),
    }
    changed = [name for name, digest in found.items() if digest != EXPECTED_SOURCES[name]]
    if changed:
        raise ParserMismatch("SpiffWorkflow's parser changed; the iterative parser would not "
                             f"match it: {', '.join(changed)}")


def install() -> None:
    """Make every process parser parse iteratively (idempotent)."""
    if ProcessParser.parse_node is not parse_node:
        check_shape()
        ProcessParser.parse_node = parse_node  # type: ignore[method-assign]


__all__ = ["ParserMismatch", "check_shape", "install", "parse_node"]
