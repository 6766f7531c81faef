"""One exception for every refusal: it names the field and says what to do."""

from __future__ import annotations


class IncidentError(Exception):
    """Bad input or a refused change; nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
