"""Every HTML form of the four services (catalogue, matching, recruitment, billing), sent with
invalid input by every role that sees it: the answer (and the page a redirect leads to) is a Dutch
page, never English, pydantic or Python text, never problem+json, never a 5xx; and a form shown
again with its errors keeps what was typed.

The forms are found by following the links of each role's start page, so a new page or form is
covered without listing it here. Each form is sent once per kind of invalid input (VARIANTS): every
field empty, a value of the wrong type, far too long, with control characters, dates of year 0001
and 9999, negative and huge amounts. Hidden fields keep what the page put there (the form's own
ids), except in the wrong-type variant, which breaks them too."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from llo.embedded import EmbeddedApp
from llo_shared.demo_users import DEMO_USERS

SERVICES_UNDER_TEST = ("/catalogue/", "/matching/", "/recruitment/", "/billing/")
ROLES = ("", *(u.key for u in DEMO_USERS))  # "": not signed in
MAX_PAGES_PER_ROLE = 80
TECHNICAL = re.compile(
    r"Input should|Value error|String should|Field required|validation error|Traceback|"
    r"\bcents\b|\bNone\b|\[['\"]|['\"]\]|\{['\"]|Internal error|Not allowed|Not found|"
    r"unknown [a-z]+|must be|is not the requested|[a-z]+_[a-z]+:|"
    # English a refusal is written in (the API's words), which a Dutch page never uses
    r"\b(?:the|not|missing|invalid|required|should|at most|at least|more than|above|please|error)\b"
)
# What a person can type into a field, and what the page may show back instead (control characters
# are dropped, spaces around the value trimmed).
TYPED = ("text", "textarea", "search", "email", "tel", "url")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e]")
Variant = Callable[[str, str], str]  # (field kind, field name) -> value


def amount_like(name: str) -> bool:
    return bool(re.search(r"euro|bedrag|amount|budget|prijs|kosten|cents|toeslag", name))


def wrong_type(kind: str, name: str) -> str:
    return {
        "date": "31-02-twee",
        "number": "veel",
        "email": "geen e-mail",
        "checkbox": "misschien",
        "hidden": "onbekend<>",
        "select": "bestaat-niet",
        "file": "geen afschrift",
    }.get(kind, "veel euro" if amount_like(name) else "x" * 300)


VARIANTS: dict[str, Variant] = {
    "leeg": lambda kind, name: "",
    "verkeerd type": wrong_type,
    "te lang": lambda kind, name: "x" * (20_000 if kind in ("textarea", "file") else 5_000),
    "stuurtekens": lambda kind, name: "a\x00b\x1b[31mc\x07d\u202ee\r\nf",
    "jaar 1": lambda kind, name: "0001-01-01" if kind == "date" else "01-01-0001",
    "jaar 9999": lambda kind, name: "9999-12-31" if kind == "date" else "31-12-9999",
    "negatief": lambda kind, name: "-1" if kind == "number" else "-1.250,50",
    "enorm": lambda kind, name: "9" * 40 if kind == "number" else "999.999.999.999.999.999,99",
    # a browser cuts this at the field's maxlength: the longest value the page allows, kept
    "op de grens": lambda kind, name: "8" * 5_000,
}


class Forms(HTMLParser):
    """The links and forms of a page: each field by name with its kind, the value the page gave it,
    its options (select) and its maxlength."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None
        self._option: str | None = None
        self._option_selected = False
        self._option_text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "multipart": "multipart" in a.get("enctype", ""),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text").lower() if tag == "input" else tag
            if kind in ("submit", "button", "image", "reset"):
                self._field(a["name"], "submit", a.get("value", ""))
                return
            field = self._field(a["name"], kind, "" if kind in ("checkbox", "radio") else a.get("value", ""))
            if kind in ("checkbox", "radio"):  # one field per group: its choices, the checked one's value
                field.setdefault("choices", []).append(a.get("value", "on"))
                if "checked" in a:
                    field["value"] = a.get("value", "on")
            if a.get("maxlength", "").isdigit():
                field["maxlength"] = int(a["maxlength"])
            self._select = field if tag == "select" else None
            self._textarea = field if tag == "textarea" else None
        elif tag == "button" and a.get("name"):
            self._field(a["name"], "submit", a.get("value", ""))
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")  # None: the option's text is its value
            self._option_selected = "selected" in a
            self._option_text = ""

    def _field(self, name: str, kind: str, value: str) -> dict[str, Any]:
        """The form's field of this name (the first element with the name defines it)."""
        assert self._form is not None
        return self._form["fields"].setdefault(name, {"kind": kind, "value": value})

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data
        if self._select is not None and self._option_text is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None and self._option_text is not None:
            value = self._option if self._option is not None else self._option_text.strip()
            self._select.setdefault("choices", []).append(value)
            if self._option_selected or len(self._select["choices"]) == 1:
                self._select["value"] = value
            self._option_text = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parsed(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def main_of(html: str) -> str:
    body = html.split("<main", 1)[-1].split("</main>", 1)[0]
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def under_test(path: str) -> bool:
    return path.startswith(SERVICES_UNDER_TEST) or path == "/"


def invalid_input(fields: dict[str, dict[str, Any]], variant: str) -> dict[str, str]:
    """The form's fields filled with one kind of invalid input. Submit buttons and (outside the
    wrong-type variant) hidden fields keep the page's values."""
    make = VARIANTS[variant]
    data = {}
    for name, field in fields.items():
        kind = field["kind"]
        if kind == "submit" or (kind == "hidden" and variant != "verkeerd type"):
            data[name] = field["value"]
        elif kind in ("select", "checkbox", "radio") and variant != "verkeerd type":
            data[name] = field["value"] if variant != "leeg" else ""
        else:
            data[name] = make(kind, name)
    return data


async def sign_in(client: httpx.AsyncClient, user: str) -> None:
    client.cookies.clear()
    if user:
        await client.post("/catalogue/demo/sign-in", data={"user": user, "next": "/"})


def pattern(path: str) -> str:
    """/catalogue/aanbod/off-brin-25lh-008 -> /catalogue/aanbod/{id}: one kind of page."""
    return re.sub(r"/[^/]*\d[^/]*", "/{id}", path)


async def crawl(client: httpx.AsyncClient) -> dict[str, str]:
    """Pages reachable from the start page, one per kind of page."""
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
        queue += [urljoin(url, link) for link in parsed(response.text).links if link.startswith("/")]
    return pages


@pytest.fixture
async def demo(settings_overrides, monkeypatch):
    # the public form's rate limit (tested in tests/security) would answer most variants with a 429
    monkeypatch.setenv("LLO_RATE_LIMIT_BURST", "100000")
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


def shown_back(typed: str) -> str:
    return CONTROL.sub("", typed).strip()


def kept(typed: str, shown: str) -> bool:
    """Shown back as typed, or cut at the field's limit (a page says so beside the field)."""
    typed, shown = shown_back(typed), shown_back(shown)
    return shown == typed or (len(shown) >= 20 and typed.startswith(shown))


def as_typed_in_a_browser(fields: dict[str, dict[str, Any]], data: dict[str, str]) -> dict[str, str]:
    """What a browser sends when a person types these values: cut at the field's maxlength, nothing
    from a number or date input that is not a number or date, the page's own hidden values."""
    sent = {}
    for name, value in data.items():
        field = fields[name]
        if field["kind"] == "hidden" or (
            field["kind"] in ("select", "checkbox", "radio")
            and value
            and value not in field.get("choices", [])
        ):
            value = field["value"]
        value = value[: field.get("maxlength", len(value))]
        if field["kind"] == "number" and not re.fullmatch(r"-?\d+([.,]\d+)?", value):
            value = ""
        if field["kind"] == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            value = ""
        sent[name] = value
    return sent


def assert_kept(
    sent: dict[str, str], form: dict[str, Any], action: str, answer: httpx.Response, where: str
) -> None:
    """A form a browser sent and the service refused (4xx) is shown again with what was typed."""
    typed = {
        name: value
        for name, value in sent.items()
        if form["fields"][name]["kind"] in (*TYPED, "number", "date") and shown_back(value)
    }
    if not typed or answer.status_code < 400 or answer.status_code == 429:
        return
    again = [
        f
        for f in parsed(answer.text).forms
        if pattern(urljoin(action, f["action"] or action)) == pattern(action)
    ]
    assert again, (
        f"{where}: refused ({answer.status_code}) without the form: what was typed is lost: "
        + main_of(answer.text)[-300:]
    )
    fields = again[0]["fields"]
    lost = {
        name: (value[:40], fields.get(name, {}).get("value", "(geen veld)")[:40])
        for name, value in typed.items()
        if name in fields and not kept(value, fields[name]["value"])
    }
    assert not lost, f"{where}: not kept (typed, shown): {lost}"


async def test_every_form_answers_invalid_input_in_dutch(demo):
    """One demo for all roles (starting it is the slow part); each role crawls from its start page."""
    checked: set[tuple[str, tuple[str, ...]]] = set()
    problems: list[str] = []
    for user in ROLES:
        await sign_in(demo, user)
        found = await submit_every_form(demo, user or "anoniem", checked, problems)
        assert found, f"{user or 'anoniem'}: no forms found: the crawl did not reach the pages"
    assert not problems, f"{len(problems)} answers failed:\n" + "\n".join(problems)
    actions = {action for action, _ in checked}
    # the crawl reached the forms of all four services, those named in issue 10 among them
    for expected in (
        "/recruitment/aanmelden",
        "/recruitment/campagnes/nieuw",
        "/recruitment/campagnes/{id}/wijzigen",
        "/recruitment/intake/{id}",
        "/billing/betalingen/import",
        "/billing/betalers/{id}",
        "/billing/gedeelde-kosten",
        "/matching/mobiliteitsteam/kandidaat",
        "/catalogue/",
        "/catalogue/aanbieder/aanbod/{id}/startmoment",
    ):
        assert expected in actions, (expected, sorted(actions))
    await sign_in(demo, "")
    assert_dutch(await demo.get("/catalogue/nergens", headers={"accept": "text/html"}), "404")


async def send(
    demo: httpx.AsyncClient, form: dict[str, Any], action: str, data: dict[str, str]
) -> httpx.Response:
    headers = {"accept": "text/html"}
    if form["method"] == "get":
        return await demo.get(action, params=data, headers=headers)
    if form["multipart"]:
        files = {
            n: ("afschrift.csv", v.encode()) for n, v in data.items() if form["fields"][n]["kind"] == "file"
        }
        fields = {n: v for n, v in data.items() if n not in files}
        return await demo.post(action, data=fields, files=files or None, headers=headers)
    return await demo.post(action, data=data, headers=headers)


async def check_answer(
    demo: httpx.AsyncClient, form: dict[str, Any], action: str, data: dict[str, str], where: str, keep: bool
) -> None:
    answer = await send(demo, form, action, data)
    if answer.status_code in (302, 303):
        answer = await demo.get(answer.headers["location"], headers={"accept": "text/html"})
        assert_dutch(answer, where)
        return
    assert_dutch(answer, where)
    if keep:
        assert_kept(data, form, action, answer, where)


async def submit_every_form(
    demo: httpx.AsyncClient, who: str, checked: set[tuple[str, tuple[str, ...]]], problems: list[str]
) -> int:
    """Sends every form not checked yet once per variant; what fails is added to `problems`."""
    pages = await crawl(demo)
    found = 0
    for path, html in pages.items():
        assert_dutch(httpx.Response(200, headers={"content-type": "text/html"}, text=html), path)
        for form in parsed(html).forms:
            action = urljoin(path, form["action"] or path)
            action_path = urlsplit(action).path
            if not under_test(action_path) or action.endswith("/demo/sign-in"):
                continue
            found += 1
            key = (pattern(action_path), tuple(sorted(form["fields"])))
            if key in checked:
                continue
            checked.add(key)
            for variant in VARIANTS:
                # as sent by a script (a Dutch answer), and as typed in a browser (kept as well)
                crafted = invalid_input(form["fields"], variant)
                typed = as_typed_in_a_browser(form["fields"], crafted)
                for data, how in ((crafted, "verstuurd"), (typed, "getypt")):
                    where = f"{who}: {form['method'].upper()} {action} from {path}, {variant}, {how}"
                    try:
                        await check_answer(demo, form, action, data, where, keep=data == typed)
                    except AssertionError as failed:
                        problems.append(str(failed).split("\nassert")[0][:700])
                    if typed == crafted:
                        break
    return found
