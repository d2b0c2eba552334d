"""RFC 7807 problem responses with stable `type`s; every bad input is a 4xx naming the field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from llo_shared.bus import error_text

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://llo-match.nl/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise anywhere in a request to answer with problem+json."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.slug, self.title, self.detail, self.extra = status, slug, title, detail, extra


def problem_response(
    status: int, slug: str, title: str, detail: str | None = None, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "body"
        field = ".".join(location[1:]) or where
        errors.append(
            {
                "field": field,
                "in": where,
                "message": error.get("msg", "invalid"),
                "code": error.get("type", "invalid"),
            }
        )
    return errors


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
}


def _page_instead(request: Request, status: int, messages: list[str] | None = None) -> Response | None:
    """A browser asking for a page gets a Dutch error page; the API keeps problem+json."""
    from llo_shared.pages import error_page, wants_html  # pages import this module

    return error_page(request, status, messages) if wants_html(request) else None


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_DECLARED = {
    400: "Bad request",
    401: "Sign-in required or token invalid",
    403: "Not allowed for this role or organisation",
    404: "Not found, or not visible to you",
    409: "Conflict with the current state (stale version, duplicate, wrong status)",
    422: "Invalid input; `errors` names each field",
}


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """The problem answers every API operation may give, for its OpenAPI document (one place,
    so a client and a fuzzer know every status code they can get)."""
    return {
        status: {"description": text, "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
        for status, text in _DECLARED.items()
    }


class UnhandledValidationError(Exception):
    """A pydantic ValidationError no handler caught (a bug: it answers 500), named by its fields and
    error types only. pydantic's own text repeats every refused value, and an error that escapes a
    request is written to the log twice (the 500 handler here, then the ASGI server), so a person's
    name or address in the refused input would land in the log as typed."""


class RedactValidationErrors:
    """Turns an escaping pydantic ValidationError into UnhandledValidationError (same traceback)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ValidationError as error:
            raise UnhandledValidationError(error_text(error)).with_traceback(error.__traceback__) from None


def install_problem_handlers(app: FastAPI) -> None:
    app.add_middleware(RedactValidationErrors)  # innermost: before the 500 handler and the server log

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        page = _page_instead(request, exc.status)
        if page is not None:
            return page
        return problem_response(
            exc.status, exc.slug, exc.title, exc.detail, instance=request.url.path, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        from llo_shared.dutch import dutch_errors

        page = _page_instead(request, 422, [e.message for e in dutch_errors(exc.errors(), {})])
        if page is not None:
            return page
        errors = field_errors(exc)
        names = ", ".join(e["field"] for e in errors)
        return problem_response(
            422,
            "validation",
            "Invalid input",
            f"Check these fields: {names}",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        page = _page_instead(request, exc.status_code)
        if page is not None:
            return page
        slug = _STATUS_SLUGS.get(exc.status_code, "http-error")
        title = str(exc.detail) if exc.detail else slug.replace("-", " ")
        return problem_response(exc.status_code, slug, title, instance=request.url.path)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        page = _page_instead(request, 500)
        if page is not None:
            return page
        return problem_response(500, "internal", "Internal error", instance=request.url.path)
