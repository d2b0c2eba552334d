"""Every HTML form of the catalogue and matching pages, sent with invalid input by every role that
sees it: the answer (and the page a redirect leads to) is a Dutch page, never English, pydantic or
Python text, never problem+json, never a 5xx.

The forms are found by following the links of each role's start page, so a new page or form is
covered without listing it here."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from llo.embedded import EmbeddedApp
from llo_shared.demo_users import DEMO_USERS

SERVICES_UNDER_TEST = ("/catalogue/", "/matching/")
ROLES = ("", "werkgever", "aanbieder", "rmt", "beheer")  # "": not signed in
MAX_PAGES_PER_ROLE = 40
TECHNICAL = re.compile(
    r"Input should|Value error|String should|Field required|validation error|Traceback|"
    r"\bcents\b|\bNone\b|\[['\"]|['\"]\]|\{['\"]|Internal error|Not allowed|Not found|"
    r"unknown [a-z]+|must be|is not the requested|[a-z]+_[a-z]+:"
)
BAD_VALUES = {
    "date": "31-02-twee",
    "number": "veel",
    "email": "geen e-mail",
    "checkbox": "misschien",
    "hidden": "onbekend<>",
    "select": "bestaat-niet",
    "text": "x" * 300,
    "textarea": "x" * 6000,
}


class Forms(HTMLParser):
    """The links and forms of a page (fields by name with their type)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind not in ("submit", "button"):
                self._form["fields"].setdefault(a["name"], kind)
            if kind == "submit" and a.get("value"):
                self._form["fields"].setdefault(a["name"], "submit:" + a["value"])
        elif self._form is not None and tag == "button" and a.get("name"):
            self._form["fields"].setdefault(a["name"], "submit:" + a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def main_of(html: str) -> str:
    body = html.split("<main", 1)[-1].split("</main>", 1)[0]
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace("&#39;", "'").replace("&#34;", '"')


def under_test(path: str) -> bool:
    return path.startswith(SERVICES_UNDER_TEST) or path == "/"


def invalid_input(fields: dict[str, str]) -> dict[str, str]:
    data = {}
    for name, kind in fields.items():
        data[name] = (
            kind.removeprefix("submit:") if kind.startswith("submit:") else BAD_VALUES.get(kind, "x" * 300)
        )
    return data


async def sign_in(client: httpx.AsyncClient, user: str) -> None:
    client.cookies.clear()
    if user:
        await client.post("/catalogue/demo/sign-in", data={"user": user, "next": "/"})


def pattern(path: str) -> str:
    """/catalogue/aanbod/off-brin-25lh-008 -> /catalogue/aanbod/{id}: one kind of page."""
    return re.sub(r"/[^/]*\d[^/]*", "/{id}", path)


async def crawl(client: httpx.AsyncClient) -> dict[str, str]:
    """Pages reachable from the start page (catalogue and matching), one per kind of page."""
    pages: dict[str, str] = {}
    kinds: set[str] = set()
    queue = ["/"]
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        if pattern(path) in kinds or not under_test(path) or "/assets/" in path:
            continue
        kinds.add(pattern(path))
        response = await client.get(url, headers={"accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        pages[path] = response.text
        parser = Forms()
        parser.feed(response.text)
        queue += [urljoin(url, link) for link in parser.links if link.startswith("/")]
    return pages


@pytest.fixture
async def demo(settings_overrides):
    app = EmbeddedApp(environment="demo", dev_key_file=settings_overrides["dev_key_file"])
    async with app.running():
        await app.settle()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo", timeout=60) as client:
            yield client


def assert_dutch(answer: httpx.Response, where: str) -> None:
    assert answer.status_code < 500, f"{where}: {answer.status_code}"
    kind = answer.headers.get("content-type", "")
    assert kind.startswith("text/html"), f"{where}: answered {kind}, not a page"
    found = TECHNICAL.search(main_of(answer.text))
    assert found is None, f"{where}: technical text {found.group(0)!r} in: {main_of(answer.text)[:600]}"


async def test_every_form_answers_invalid_input_in_dutch(demo):
    """One demo for all roles (starting it is the slow part); each role crawls from its start page."""
    assert {u.key for u in DEMO_USERS} >= set(ROLES) - {""}
    for user in ROLES:
        await sign_in(demo, user)
        checked = await submit_every_form(demo, user or "anoniem")
        assert checked, f"{user or 'anoniem'}: no forms found: the crawl did not reach the pages"
    await sign_in(demo, "")
    assert_dutch(await demo.get("/catalogue/nergens", headers={"accept": "text/html"}), "404")


async def submit_every_form(demo: httpx.AsyncClient, who: str) -> int:
    pages = await crawl(demo)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for path, html in pages.items():
        assert_dutch(httpx.Response(200, headers={"content-type": "text/html"}, text=html), path)
        parser = Forms()
        parser.feed(html)
        for form in parser.forms:
            action = urljoin(path, form["action"] or path)
            key = (pattern(urlsplit(action).path), tuple(sorted(form["fields"])))
            if key in seen or not under_test(urlsplit(action).path) or action.endswith("/demo/sign-in"):
                continue
            seen.add(key)
            data = invalid_input(form["fields"])
            where = f"{who}: {form['method'].upper()} {action} from {path}"
            headers = {"accept": "text/html"}
            if form["method"] == "get":
                answer = await demo.get(action, params=data, headers=headers)
            else:
                answer = await demo.post(action, data=data, headers=headers)
            if answer.status_code in (302, 303):
                answer = await demo.get(answer.headers["location"], headers=headers)
            assert_dutch(answer, where)
    return len(seen)
