"""What can go wrong with a named question, each error with its HTTP status.

Shared by every step (catalogue, parameters, paging, routes) and by the
contributions' list paging, so it sits apart from all of them.
"""

from __future__ import annotations

from typing import Any


class QuestionError(Exception):
    """A request for a question that cannot be answered; ``status`` is the HTTP status.

    ``details`` goes into the JSON error body as it is: the parameter concerned,
    the valid values or the valid parameter names.
    """

    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "status": self.status, **self.details}


class UnknownQuestion(QuestionError):
    status = 404


class ParameterError(QuestionError):
    status = 400


class CatalogueError(Exception):
    """A malformed question file: a mistake in queries/, reported with file and line."""
