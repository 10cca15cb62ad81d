"""Errors the use cases raise. The web layer maps them: NotAllowed → 403,
NotFound → 404, Conflict → 409, InvalidData / InvalidBpmn → 422."""
from __future__ import annotations

from dataclasses import dataclass, field


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class NotFound(EngineError):
    code = "not_found"


class NotAllowed(EngineError):
    code = "not_allowed"


class Conflict(EngineError):
    """Someone else changed the same thing first; reload and try again."""

    code = "conflict"


class AlreadyCompleted(Conflict):
    code = "already_completed"


class InvalidData(EngineError):
    """Submitted data does not fit the form: one message per field."""

    code = "invalid_data"

    def __init__(self, field_errors: dict[str, str], message: str = "the submitted data is not valid"):
        detail = "; ".join(f"{k}: {v}" for k, v in field_errors.items())
        super().__init__(f"{message}: {detail}" if detail else message)
        self.field_errors = field_errors

    def to_dict(self) -> dict:
        return {**super().to_dict(), "fields": self.field_errors}


class ScriptError(EngineError):
    """An expression or script in a process failed or tried something forbidden."""

    code = "script_error"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a BPMN file, located as precisely as we can."""

    message: str
    file: str = ""
    line: int | None = None
    element_id: str | None = None

    def __str__(self) -> str:
        where = self.file or "<bpmn>"
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


@dataclass
class InvalidBpmn(EngineError):
    problems: list[Problem] = field(default_factory=list)
    code = "invalid_bpmn"

    def __post_init__(self) -> None:
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid BPMN")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "problems": [p.__dict__ for p in self.problems]}
