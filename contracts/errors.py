"""Domain errors: a stable English machine code plus a Chinese message for the person who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A refused command. `code` is stable and machine-readable; `message` is shown to people (Chinese first)."""

    code: str = "domain_error"
    http_status: int = 422

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 http_status: int | None = None, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors  # per-item details, e.g. every bad row of an import
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self):
        # Whole across a process boundary (a decision run in a worker process), whatever a subclass's __init__ takes.
        return _rebuilt, (type(self), self.__dict__)


def _rebuilt(cls: type[DomainError], state: dict) -> DomainError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message"))
    error.__dict__.update(state)
    return error


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
