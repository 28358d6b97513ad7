"""The one exception type for expected problems, and the documented exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # validate: findings; diff: differences; redact --check: work to do
    BAD_INPUT = 2  # unreadable file or usage error
    INTERNAL = 3  # a bug in cassette itself
    INTERRUPTED = 130


class CassetteError(Exception):
    """A problem with an input file, printed as ``path:line:col: message``."""

    def __init__(self, message: str, path: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def with_path(self, path: str) -> CassetteError:
        if self.path is None:
            self.path = path
        return self

    def __str__(self) -> str:
        where = [self.path or "<input>"]
        if self.line is not None:
            where.append(str(self.line))
            if self.column is not None:
                where.append(str(self.column))
        return f"{':'.join(where)}: {self.message}"
