"""The API's user-facing errors: a MentorError with the HTTP status (and headers) to answer it with."""

from __future__ import annotations

from assistant.errors import (AuthError, DatabaseUnavailable, EditConflict, IndexDamaged, IndexNotReady, KnowledgeError,
                              MentorError, ModelLoadError)


class ApiError(MentorError):
    """A request the API refuses; the message says what was wrong, with the value, and the fix."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


# The package's own errors, as the API answers them. The index, the model or the database being unavailable
# is the server's state, not the request's fault: 503 with Retry-After, so a caller or a load balancer retries.
STATUS: dict[type[MentorError], int] = {
    IndexNotReady: 503,
    IndexDamaged: 503,
    ModelLoadError: 503,
    KnowledgeError: 503,
    DatabaseUnavailable: 503,
    AuthError: 401,
    EditConflict: 409,
}


def status_of(exc: MentorError) -> int:
    """The HTTP status for a MentorError: its own when it has one, else by class, else 500."""
    if isinstance(exc, ApiError):
        return exc.status
    return next((status for kind, status in STATUS.items() if isinstance(exc, kind)), 500)


def _responses() -> dict:
    from assistant.api.models import ErrorReply

    return {status: {"model": ErrorReply} for status in (400, 401, 413, 422, 429, 503)}


ERRORS = _responses()  # the error replies every endpoint documents in OpenAPI
