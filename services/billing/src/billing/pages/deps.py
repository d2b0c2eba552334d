"""What the module-level page routes take from the app (`Depends`): the service's `Pages`, which
renders templates in the layout; app.py keeps it on `app.state.pages`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from llo_shared.pages import Pages


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


PagesOf = Annotated[Pages, Depends(pages_of)]
