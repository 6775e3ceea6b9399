"""Errors that carry where the problem is: file, line and element."""

from __future__ import annotations

__all__ = ["InputError", "TeamkitError", "ToolMissingError"]


class TeamkitError(Exception):
    """Base class for every error teamkit reports to a user (never shown as a traceback)."""


class InputError(TeamkitError):
    """An input file is unreadable, malformed or not what was expected (exit code 2)."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, element: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.element = element
        where = path if line is None else f"{path}:{line}"
        what = f" <{element}>" if element else ""
        super().__init__(f"{where}:{what} {problem}".replace(": <", ": <", 1))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        element = f" <{self.element}>:" if self.element else ""
        return f"{where}:{element} {self.problem}"


class ToolMissingError(TeamkitError):
    """An external program (dot, qemu-system-x86_64, virsh) is not installed; the message says how to get it."""
