"""Errors that carry a position, and errors in how cdlint was asked to run."""

from __future__ import annotations

from cdlint.model import Span


class ParseError(Exception):
    """A pipeline file (or a file it includes) cannot be read; becomes a ``parse-error`` finding."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span

    def __str__(self) -> str:
        return f"{self.span}: {self.message}"


class ConfigError(Exception):
    """Bad command-line arguments, configuration or plugins; the CLI exits with 2."""
