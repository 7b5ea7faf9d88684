"""The one error type for bad scenario or experiment input."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input: names the file, the field, the value and what is allowed.

    Its ``str`` is a single line so the CLI can print it as is.
    """

    def __init__(self, file: str | Path | None, field: str, value: object, allowed: str) -> None:
        self.file = str(file) if file is not None else "<input>"
        self.field = field
        self.value = value
        self.allowed = allowed
        text = repr(value)
        if len(text) > 80:
            text = text[:77] + "..."
        super().__init__(f"{self.file}: {field} = {text}: {allowed}")
