"""The catalogue's refusals, by name. The use cases and the store raise them; the API answers each
as problem+json (`api/deps.problem_of`), the provider's pages in Dutch at the field or on a page.
No HTTP here: a refusal says what is wrong, the caller decides how to say it."""

from __future__ import annotations


class Refusal(Exception):
    """Something the catalogue will not do; `field` names the input it is about, if one."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.field = detail, field


class NotFound(Refusal):
    """No such provider, offering, cohort or consortium (or not one the asker may see)."""

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"no {what.lower()} {ident}")
        self.what, self.ident = what, ident


class NotYours(Refusal):
    """It belongs to another organisation than the one asking."""


class Conflict(Refusal):
    """The current state does not allow it (a stale version, a duplicate id, the wrong status)."""


class InvalidInput(Refusal):
    """An input breaks a rule; `errors` pairs each field with its message."""

    def __init__(self, errors: list[tuple[str, str]], detail: str | None = None) -> None:
        first, message = errors[0]
        super().__init__(detail or f"{first}: {message}", field=first)
        self.errors = errors


def invalid(field: str, message: str, detail: str | None = None) -> InvalidInput:
    return InvalidInput([(field, message)], detail)
