"""One exception hierarchy for the engine.

The web layer maps these to HTTP responses in one place; domain code never
raises HTTP errors. Every error carries enough context (file, line, element id,
case, task) for the message to name the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.i18n import N_, Message, msg


class EngineError(Exception):
    """Base of every error the engine raises on purpose.

    `message` is English text, or an `engine.i18n.Message` (an English template marked
    N_ and its parameters) that the doors translate into the reader's language;
    `self.message` is always the English text, `self.template` the Message (None when
    the error was raised with plain text, which the doors show as it is).
    """

    def __init__(self, message: str | Message, **context: Any) -> None:
        self.template: Message | None = message if isinstance(message, Message) else None
        text = message.text() if isinstance(message, Message) else message
        super().__init__(text)
        self.message = text
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": self.message, **self.context}


class NotFound(EngineError):
    """A process, case, task, user or incident that does not exist."""


class PermissionDenied(EngineError):
    """The user may not do this to this case or task."""


class Conflict(EngineError):
    """The request lost a race or acts on something no longer in the state it assumed."""


class ConcurrentUpdate(Conflict):
    """The case row changed between load and save (optimistic version check)."""


class TaskNotOpen(Conflict):
    """The task was completed or cancelled already."""


class TaskHeldByOther(Conflict):
    """Someone else has claimed the task."""


class CaseNotActive(Conflict):
    """The case is suspended, completed, cancelled or failed."""


class CaseStuck(Conflict):
    """A change would leave a running case with nothing to do: no task, job or message."""


class InvalidInput(EngineError):
    """Malformed data given by a caller (bad JSON, wrong type, unknown field)."""


class FormInvalid(InvalidInput):
    """Submitted data the form does not accept: field errors the doors show next to the fields.

    `field_errors` are engine.forms.FieldError values (English templates with parameters,
    for the doors to translate); `errors` the same as English text by field key.
    """

    def __init__(self, field_errors: Sequence[Any], *, what: Message | None = None) -> None:
        self.field_errors = tuple(field_errors)
        self.errors: dict[str, list[str]] = {}
        for error in self.field_errors:
            self.errors.setdefault(error.field, []).append(error.text())
        fields = ", ".join(self.errors)
        subject = what or msg(N_("the form"))
        super().__init__(msg(N_("%(what)s was not accepted: check %(fields)s"), what=subject, fields=fields)
                         if fields else msg(N_("%(what)s was not accepted"), what=subject))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    element_id: str | None = None
    process_id: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [where] if where else []
        if self.element_id:
            parts.append(f"element {self.element_id}")
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, Any]:
        """The fields, and `text`: the whole problem as the one line the CLI prints."""
        return {**{k: v for k, v in self.__dict__.items() if v is not None}, "text": str(self)}


class DeploymentRefused(EngineError):
    """An uploaded BPMN or form file failed validation; nothing was stored.

    The message is one line per problem (file:line element id: what is wrong)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems) or "deployment refused",
            problems=[p.to_dict() for p in problems],
        )


class ScriptRefused(EngineError):
    """A script or expression uses something the sandbox does not allow.

    Raised statically (at deploy time) or at run time (time or size limit).
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        element_id: str | None = None,
        source: str | None = None,
    ) -> None:
        self.reason = message
        self.line = line
        self.element_id = element_id
        self.source = source
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}", line=line, element_id=element_id)


class LimitExceeded(EngineError):
    """A run-time bound stopped the work: too many engine steps without waiting."""


@dataclass
class StepFailure:
    """Where and why an engine step failed inside a case."""

    element_id: str | None
    message: str
    line: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class CaseFailed(EngineError):
    """Running the case raised an error in a script, expression or the engine itself."""

    def __init__(self, failure: StepFailure, case_id: int | None = None) -> None:
        self.failure = failure
        super().__init__(
            failure.message, element_id=failure.element_id, line=failure.line, case_id=case_id
        )


class StepFailed(EngineError):
    """A step that a user's submission triggered failed (a script, a condition, a task's
    assignment): the submission is refused and nothing is changed."""

    def __init__(self, failure: StepFailure, case_id: int | None = None) -> None:
        self.failure = failure
        where = f"'{failure.element_id}'" if failure.element_id else msg(N_("the process"))
        super().__init__(msg(N_("%(where)s could not run: %(reason)s; nothing was saved"),
                             where=where, reason=failure.message),
                         element_id=failure.element_id, line=failure.line, case_id=case_id,
                         reason=failure.message)


class MessageNotDelivered(NotFound):
    """A message matched no waiting case and no process that starts with it."""


class HandlerMissing(EngineError):
    """A service task names a handler that is not registered."""


class HandlerNotAllowed(PermissionDenied):
    """A guarded handler called by a process it does not list, or by an unapproved version."""
class StoreOperationFailed(EngineError):
    """A backup or restore could not be done (missing tool, wrong file, non-empty target)."""
