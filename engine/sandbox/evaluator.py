"""SpiffWorkflow's script engine, restricted: every script, condition and timer value.

`SandboxScriptEngine` hands each evaluation to an environment: the runtime's
`PooledEnvironment` (engine.sandbox.pool: separate processes with OS limits) in the
engine, or an in-process `SandboxEnvironment` (engine.sandbox.environment) where
no case runs (benchmarks of SpiffWorkflow alone, tests of the policy). What a script
may say is decided once, in engine.sandbox.policy, and checked at deploy time.

Errors keep what the user needs: a script error names its type, message and line
(also when it happened in another process), and a failed condition says why it
failed, not only "Error evaluating expression".
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import EngineError, ScriptRefused
from engine.sandbox.dates import HELPERS
from engine.sandbox.environment import SandboxEnvironment
from engine.sandbox.policy import check_expression, check_script
from engine.sandbox.pool import PooledEnvironment

_SHOWN_SOURCE = 200
DEFAULT_MAX_INSTANCES = 300


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine running everything in a restricted environment."""

    def __init__(self, environment: SandboxEnvironment | PooledEnvironment | None = None,
                 helpers: dict[str, Callable[..., Any]] | None = None, *,
                 max_instances: int = DEFAULT_MAX_INSTANCES) -> None:
        env = environment if environment is not None else SandboxEnvironment(helpers)
        if environment is not None and helpers:
            if not isinstance(env, SandboxEnvironment):
                raise ValueError("helpers can only be added to an in-process environment")
            env.add_helpers(helpers)
        super().__init__(environment=env)
        self.max_instances = max_instances
        """What one multi-instance activity or loop may fan out to; SpiffWorkflow's specs
        reach it as `workflow.script_engine` (engine.runtime.spiff_patches)."""

    def validate(self, expression: str) -> None:
        """SyntaxError first (SpiffWorkflow's DMN engine relies on it), then the sandbox check."""
        ast.parse(expression.strip())
        check_expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        """As SpiffWorkflow's, but the error says why the expression failed."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{_shown(expression)}'")
            raise
        except Exception as exc:
            reason = exc.message if isinstance(exc, EngineError) else f"{type(exc).__name__}: {exc}"
            raise WorkflowTaskException(
                f"Error evaluating expression '{_shown(expression)}': {reason}", task=task,
                exception=exc) from exc

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        """The script's line, also for errors raised in an evaluator process."""
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)  # type: ignore[no-any-return]
        line = getattr(err, "script_line", None)
        if line is None and isinstance(err, ScriptRefused):
            line = err.line
        if isinstance(line, int) and line > 0:
            lines = script.splitlines()
            error_line = lines[line - 1] if line <= len(lines) else ""
        else:
            line, error_line = self.get_error_line_number_and_content(script, err)
        detail = err.message if isinstance(err, EngineError) else f"{type(err).__name__}: {err}"
        return WorkflowTaskException(detail, task=task, exception=err, line_number=line,
                                     error_line=error_line)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "SandboxScriptEngine does not call services: the engine runs service tasks itself")


def _shown(source: str) -> str:
    text = " ".join(source.split())
    return text if len(text) <= _SHOWN_SOURCE else text[:_SHOWN_SOURCE] + "..."


__all__ = ["HELPERS", "SandboxEnvironment", "SandboxScriptEngine", "check_expression",
           "check_script"]
