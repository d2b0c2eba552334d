"""What every page route needs, from `request.app.state` through small dependencies: the store,
the search index and the page renderer, together as one `Visit` with the signed-in principal.

A provider page that cannot show its form answers with a page instead (`Refused`): sign in, not
found, not yours. `answering_refusals` turns such an answer into the route's response.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalogue.documents import Document
from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore
from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal, Pages


class Refused(Exception):
    """A page that answers instead of the form: sign in, not found, not yours."""

    def __init__(self, response: Response) -> None:
        self.response = response


def answering_refusals(
    handler: Callable[..., Awaitable[Response]],
) -> Callable[..., Awaitable[Response]]:
    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except Refused as refused:
            return refused.response

    return wrapper


def redirect(path: str, message: str) -> RedirectResponse:
    """Post/redirect/get: the page to show next, with a message for the visitor."""
    return RedirectResponse(f"{path}?{urlencode({'melding': message})}", status_code=303)


@dataclass(frozen=True)
class Visit:
    """One page request: who asks, and the store, search index and renderer of this app."""

    request: Request
    principal: Principal | None
    store: CatalogueStore
    index: SearchIndex
    pages: Pages

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return self.pages.render(self.request, template, self.principal, status_code=status_code, **context)

    def sign_in_needed(self, title: str, role_label: str) -> HTMLResponse:
        return self.render("sign_in_needed.html", 403, title=title, role_label=role_label)

    def refuse(self, status: int, message: str) -> Refused:
        signed_in_provider = self.principal is not None and self.principal.role == "provider"
        return Refused(
            self.render(
                "forbidden.html" if signed_in_provider else "sign_in_needed.html",
                status,
                title="Niet toegestaan" if status == 403 else "Niet gevonden",
                role_label="opleider",
                message=message,
            )
        )

    async def acting_provider(self) -> Document:
        """The signed-in provider's own registration (else a 403 page)."""
        if self.principal is None or self.principal.role != "provider":
            raise self.refuse(403, "Meld u aan als opleider.")
        provider = await self.store.provider(self.principal.org)
        if provider is None:
            raise self.refuse(403, "Uw organisatie is nog niet als opleider geregistreerd.")
        return provider

    async def owned(
        self, load: Callable[[], Awaitable[Document | None]], missing: str, foreign: str
    ) -> Document:
        """The document `load()` finds, if it belongs to the signed-in provider (checked first)."""
        provider = await self.acting_provider()
        document = await load()
        if document is None:
            raise self.refuse(404, missing)
        if document["provider_id"] != provider["_id"]:
            raise self.refuse(403, foreign)
        return document

    async def own_offering(self, offering_id: str) -> Document:
        return await self.owned(
            lambda: self.store.offering(offering_id),
            "Deze opleiding bestaat niet.",
            "Deze opleiding is van een andere opleider.",
        )

    async def own_cohort(self, cohort_id: str) -> Document:
        return await self.owned(
            lambda: self.store.cohort_document(cohort_id),
            "Dit startmoment bestaat niet.",
            "Dit startmoment is van een andere opleider.",
        )

    def published(self, offering: Document | None = None, cohort: Document | None = None) -> None:
        """A write the search index shows at once and the relay publishes now."""
        if offering is not None:
            self.index.upsert_offering(offering)
        if cohort is not None:
            self.index.upsert_cohort(cohort)
        self.request.app.state.runtime.relay.wake()


async def visit(request: Request, principal: PagePrincipal) -> Visit:
    state = request.app.state
    return Visit(request, principal, state.catalogue_store, state.search_index, state.pages)


PageVisit = Annotated[Visit, Depends(visit)]
